import { request as playwrightRequest } from "@playwright/test";
import { expect, signInRequest, test } from "./support/fixtures";

test("an admin creates a user, approves their pending device and changes their role; the user's access follows", async ({ pageAs, browser, server }, testInfo) => {
  const stamp = Date.now();
  const email = `casey.${stamp}@e2e.example.com`;
  const password = "casey's long password";

  // The admin creates a developer account.
  const admin = await pageAs("ADMIN");
  await admin.goto("/admin");
  await admin.getByTestId("user-create-open").click();
  const dialog = admin.getByTestId("user-create-dialog");
  await dialog.getByLabel("Name").fill(`Casey ${stamp}`);
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption("DEVELOPER");
  await dialog.getByLabel("Initial password").fill(password);
  await admin.getByTestId("user-create-submit").click();
  const row = admin.getByTestId("user-row").filter({ hasText: email });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("user-role-select")).toHaveValue("DEVELOPER");
  await admin.screenshot({ path: testInfo.outputPath("admin-users.png"), fullPage: true });

  // Casey makes an API token and opens a runtime session from a new device: it is pending.
  const casey = await playwrightRequest.newContext({ baseURL: server.baseURL });
  await signInRequest(casey, server.baseURL, { email, password });
  const token = await (await casey.post("/api/account/tokens", { data: { name: `cli ${stamp}` } })).json();
  expect(token.token).toMatch(/^ccl_pat_/);
  const cli = await playwrightRequest.newContext({ baseURL: server.baseURL, extraHTTPHeaders: { authorization: `Bearer ${token.token}` } });
  const deviceId = `laptop-${stamp}`;
  const opened = await cli.post("/api/runtime/sessions", { data: { device_id: deviceId, device_name: `Casey's laptop ${stamp}` } });
  expect(opened.status()).toBe(201);
  const session = await opened.json();
  expect(session.device.trust).toBe("pending");
  expect(session.permissions).not.toContain("task:submit");

  // The admin sees it highlighted, with a count in the nav, and approves it.
  await admin.goto("/admin/devices");
  await expect(admin.getByTestId("nav-badge-admin")).toBeVisible();
  const device = admin.getByTestId("device-row").filter({ hasText: deviceId });
  await expect(device.getByTestId("device-trust")).toHaveText("pending");
  await expect(device).toHaveClass(/bg-amber/);
  await admin.screenshot({ path: testInfo.outputPath("admin-devices.png"), fullPage: true });
  await device.getByTestId("device-approve").click();
  await expect(device.getByTestId("device-trust")).toHaveText("trusted");
  const after = await (await cli.get(`/api/runtime/sessions/${session.session_id}`)).json();
  expect(after.device.trust).toBe("trusted");

  // Casey, as a developer, may open the submit page.
  const caseyContext = await browser.newContext({ baseURL: server.baseURL });
  const caseyPage = await caseyContext.newPage();
  const caseyRequest = caseyPage.context().request;
  await signInRequest(caseyRequest, server.baseURL, { email, password });
  expect((await caseyPage.goto("/tasks/new"))?.status()).toBe(200);
  await expect(caseyPage.getByTestId("submit-form")).toBeVisible();

  // The admin makes Casey a viewer: Casey's browser session ends on the server at once; signed in
  // again, Casey has the viewer's rights and the submit page is gone.
  await admin.goto("/admin");
  await admin.getByTestId("user-row").filter({ hasText: email }).getByTestId("user-role-select").selectOption("VIEWER");
  await expect(admin.getByTestId("user-row").filter({ hasText: email }).getByTestId("user-role-select")).toHaveValue("VIEWER");
  await caseyPage.goto("/tasks/new");
  await expect(caseyPage).toHaveURL(/\/signin/);
  await signInRequest(caseyRequest, server.baseURL, { email, password });
  expect((await caseyPage.goto("/tasks/new"))?.status()).toBe(404);
  await caseyPage.goto("/");
  await expect(caseyPage.getByTestId("user-role")).toHaveText("VIEWER");
  const refused = await cli.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: "say: hi" } });
  expect(refused.status()).toBe(403);

  // Disabling the account ends Casey's access entirely.
  admin.once("dialog", (d) => void d.accept());
  await admin.getByTestId("user-row").filter({ hasText: email }).getByTestId("user-disable").click();
  await expect(admin.getByTestId("user-row").filter({ hasText: email }).getByTestId("user-status")).toHaveText("disabled");
  expect((await cli.get("/api/account/tokens")).status()).toBe(401);

  await caseyContext.close();
  await casey.dispose();
  await cli.dispose();
});

test("an admin adds, flips and deletes an agent policy", async ({ pageAs }, testInfo) => {
  const admin = await pageAs("ADMIN");
  await admin.goto("/admin/policies");
  const form = admin.getByTestId("policy-form");
  await form.getByLabel("Kind").selectOption("agent");
  // An alias is stored as the agent's own type, so the rule is enforced whichever name a client uses.
  await form.getByLabel("Target").fill("openhands");
  await form.getByLabel("Role").selectOption("GUEST");
  await form.getByLabel("Effect").selectOption("deny");
  await admin.getByTestId("policy-submit").click();
  const row = admin.getByTestId("policy-row").filter({ hasText: "opendevin" });
  await expect(row.getByTestId("policy-effect")).toHaveText("deny");
  await row.getByTestId("policy-toggle").click();
  await expect(row.getByTestId("policy-effect")).toHaveText("allow");
  await admin.screenshot({ path: testInfo.outputPath("admin-policies.png"), fullPage: true });
  await row.getByTestId("policy-delete").click();
  await expect(row).toHaveCount(0);
});
