import { request as playwrightRequest } from "@playwright/test";
import { expect, test } from "./support/fixtures";

test("a developer creates an API token (shown once), uses it, sees its session, and revokes it", async ({ pageAs, server }, testInfo) => {
  const page = await pageAs("DEVELOPER");
  const name = `script-${Date.now()}`;
  await page.goto("/account");
  await page.getByTestId("token-create-form").getByLabel("Token name").fill(name);
  await page.getByTestId("token-create").click();
  const secret = (await page.getByTestId("token-secret").textContent())!.trim();
  expect(secret).toMatch(/^ccl_pat_/);
  const row = page.getByTestId("token-row").filter({ hasText: name });
  await expect(row.getByTestId("token-status")).toHaveText("active");

  // The token works, and opens a session that shows up under "Runtime sessions".
  const cli = await playwrightRequest.newContext({ baseURL: server.baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  expect((await cli.get("/api/account/tokens")).status()).toBe(200);
  const deviceId = `ci-${Date.now()}`;
  expect((await cli.post("/api/runtime/sessions", { data: { device_id: deviceId } })).status()).toBe(201);

  // Shown once: after a reload only the prefix remains.
  await page.reload();
  await expect(page.getByTestId("token-secret")).toHaveCount(0);
  await expect(row).toContainText(secret.slice(0, 12));
  const session = page.getByTestId("session-row").filter({ hasText: deviceId });
  await expect(session).toBeVisible();
  await expect(page.getByTestId("my-device-row").filter({ hasText: deviceId }).getByTestId("device-trust")).toHaveText("pending");
  await page.screenshot({ path: testInfo.outputPath("account.png"), fullPage: true });
  await session.getByTestId("session-end").click();
  await expect(session).toHaveCount(0);

  // A lost laptop: revoking the device ends a session opened on it since.
  const second = await cli.post("/api/runtime/sessions", { data: { device_id: deviceId } });
  const { session_token } = (await second.json()) as { session_token: string };
  const device = page.getByTestId("my-device-row").filter({ hasText: deviceId });
  page.once("dialog", (d) => void d.accept());
  await device.getByTestId("device-revoke").click();
  await expect(device.getByTestId("device-trust")).toHaveText("revoked");
  const onDevice = await playwrightRequest.newContext({ baseURL: server.baseURL, extraHTTPHeaders: { authorization: `Bearer ${session_token}` } });
  expect((await onDevice.get("/api/runtime/tasks")).status()).toBe(401);
  await onDevice.dispose();

  page.once("dialog", (d) => void d.accept());
  await row.getByTestId("token-revoke").click();
  await expect(row).toHaveCount(0);
  expect((await cli.get("/api/account/tokens")).status()).toBe(401);
  await cli.dispose();
});
