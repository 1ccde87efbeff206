import { expect, test } from "./support/fixtures";

test("an invite link creates an account with the invited role, once", async ({ pageAs, browser, server }) => {
  const admin = await pageAs("ADMIN");
  const email = `invited-${Date.now()}@example.com`;
  const res = await admin.request.post("/api/admin/invites", { data: { email, role: "VIEWER" } });
  expect(res.status()).toBe(201);
  const { url: link } = (await res.json()) as { url: string };
  expect(link).toContain("/invite#token=");

  const context = await browser.newContext({ baseURL: server.baseURL });
  const page = await context.newPage();
  await page.goto(link.replace(/^https?:\/\/[^/]+/, server.baseURL));
  await page.getByLabel("Your name").fill("Ivy Invited");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("invited password 1");
  await page.getByLabel("Repeat password").fill("invited password 1");
  await page.getByTestId("invite-submit").click();
  await expect(page.getByTestId("dashboard")).toBeVisible();
  await expect(page.getByTestId("user-role")).toHaveText("VIEWER");

  // Spent: a second use is refused with a clear message.
  const again = await browser.newContext({ baseURL: server.baseURL });
  const second = await again.newPage();
  await second.goto(link.replace(/^https?:\/\/[^/]+/, server.baseURL));
  await second.getByLabel("Your name").fill("Someone Else");
  await second.getByLabel("Email").fill(email);
  await second.getByLabel("Password", { exact: true }).fill("another password 1");
  await second.getByLabel("Repeat password").fill("another password 1");
  await second.getByTestId("invite-submit").click();
  await expect(second.getByTestId("invite-error")).toContainText("invalid, expired or already used");
  await context.close();
  await again.close();
});
