import type { Browser, Page } from "@playwright/test";
import { expect, signInAs, test } from "./support/fixtures";

/** A fresh browser (its own cookies), signed in as `user`. */
async function browserAs(browser: Browser, baseURL: string, user: { email: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInAs(page, baseURL, user);
  return page;
}

test("changing the password signs the other browser out; an admin's reset link sets a new one once and ends every session", async ({ browser, server, pageAs, apiAs }, testInfo) => {
  // A person of our own: the seeded users' passwords stay as they are for the other tests.
  const admin = await apiAs("ADMIN");
  const carol = { email: `carol-${Date.now()}@example.com`, password: "carol's first passphrase" };
  expect((await admin.post("/api/admin/users", { data: { email: carol.email, name: "Carol", role: "DEVELOPER", password: carol.password } })).status()).toBe(201);

  const laptop = await browserAs(browser, server.baseURL, carol);
  const phone = await browserAs(browser, server.baseURL, carol);
  await phone.goto("/account");
  await expect(phone.getByTestId("browser-session-row")).toHaveCount(2);
  await expect(phone.getByTestId("browser-session-row").filter({ hasText: "this browser" })).toHaveCount(1);

  // On the laptop: the current password is required.
  await laptop.goto("/account");
  const form = laptop.getByTestId("password-form");
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password", { exact: true }).fill("carol's second passphrase");
  await form.getByLabel("Repeat the new password").fill("carol's second passphrase");
  await laptop.getByTestId("password-submit").click();
  await expect(laptop.getByTestId("password-error")).toContainText("current password is not correct");
  await form.getByLabel("Current password").fill(carol.password);
  await form.getByLabel("New password", { exact: true }).fill("carol's second passphrase");
  await form.getByLabel("Repeat the new password").fill("carol's second passphrase");
  await laptop.getByTestId("password-submit").click();
  await expect(laptop.getByTestId("password-changed")).toContainText("1 other session ended");
  await laptop.screenshot({ path: testInfo.outputPath("account-password.png"), fullPage: true });

  // The phone's cookie no longer works: it lands on the sign-in page. The laptop stays signed in.
  await phone.goto("/account");
  await expect(phone).toHaveURL(/\/signin/);
  await laptop.reload();
  await expect(laptop.getByTestId("account-page")).toBeVisible();

  // Carol forgot it anyway: an admin issues a reset link from the users page.
  const adminPage = await pageAs("ADMIN");
  await adminPage.goto("/admin");
  await adminPage.getByTestId("users-search").fill(carol.email);
  const row = adminPage.getByTestId("user-row").filter({ hasText: carol.email });
  await row.getByTestId("user-reset-password").click();
  await adminPage.getByTestId("reset-submit").click();
  const link = (await adminPage.getByTestId("reset-link").textContent())!.trim();
  expect(link).toMatch(/\/reset-password#token=ccl_rst_/);
  // A clipboard that refuses (no permission, insecure origin): no false "Copied"; the link is selected instead.
  await adminPage.evaluate(() => Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText: () => Promise.reject(new Error("denied")) } }));
  await adminPage.getByTestId("reset-link-copy").click();
  await expect(adminPage.getByTestId("reset-link-copy")).toContainText("Selected");
  expect(await adminPage.evaluate(() => window.getSelection()?.toString().trim())).toBe(link);
  // A clipboard that takes it: "Copied".
  await adminPage.evaluate(() => Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText: () => Promise.resolve() } }));
  await adminPage.getByTestId("reset-link-copy").click();
  await expect(adminPage.getByTestId("reset-link-copy")).toHaveText("Copied");
  await adminPage.screenshot({ path: testInfo.outputPath("admin-reset-link.png") });

  const fresh = await (await browser.newContext({ baseURL: server.baseURL })).newPage();
  await fresh.goto(link);
  await fresh.getByLabel("New password", { exact: true }).fill("carol's third passphrase");
  await fresh.getByLabel("Repeat the new password").fill("carol's third passphrase");
  await fresh.getByTestId("reset-submit").click();
  await expect(fresh).toHaveURL(new URL("/", server.baseURL).href);

  // Every earlier session ended (the laptop too); the link works once.
  await laptop.goto("/account");
  await expect(laptop).toHaveURL(/\/signin/);
  const again = await (await browser.newContext({ baseURL: server.baseURL })).newPage();
  await again.goto(link);
  await again.getByLabel("New password", { exact: true }).fill("someone else's passphrase");
  await again.getByLabel("Repeat the new password").fill("someone else's passphrase");
  await again.getByTestId("reset-submit").click();
  await expect(again.getByTestId("reset-error")).toContainText("invalid, expired or already used");

  for (const page of [laptop, phone, fresh, again]) await page.context().close();
});

test("sign out everywhere ends this browser and the others; a cookie kept from before stops working", async ({ browser, server, apiAs }) => {
  const admin = await apiAs("ADMIN");
  const dan = { email: `dan-${Date.now()}@example.com`, password: "dan's only passphrase" };
  expect((await admin.post("/api/admin/users", { data: { email: dan.email, name: "Dan", role: "VIEWER", password: dan.password } })).status()).toBe(201);
  const here = await browserAs(browser, server.baseURL, dan);
  const other = await browserAs(browser, server.baseURL, dan);
  const kept = await here.context().cookies();

  await here.goto("/account");
  here.once("dialog", (d) => void d.accept());
  await here.getByTestId("sign-out-everywhere").click();
  await expect(here).toHaveURL(/\/signin/);
  await other.goto("/account");
  await expect(other).toHaveURL(/\/signin/);

  // Someone who copied the cookie before gets nowhere with it.
  const thief = await browser.newContext({ baseURL: server.baseURL });
  await thief.addCookies(kept);
  expect((await thief.request.get("/api/account/browser-sessions")).status()).toBe(401);
  for (const context of [here.context(), other.context(), thief]) await context.close();
});

test("signing out from the user menu ends the session on the server: a copy of the cookie no longer signs anyone in", async ({ browser, server, apiAs }) => {
  const admin = await apiAs("ADMIN");
  const erin = { email: `erin-${Date.now()}@example.com`, password: "erin's only passphrase" };
  expect((await admin.post("/api/admin/users", { data: { email: erin.email, name: "Erin", role: "DEVELOPER", password: erin.password } })).status()).toBe(201);
  const page = await browserAs(browser, server.baseURL, erin);
  await page.goto("/");
  const kept = await page.context().cookies();

  await page.getByTestId("user-menu").click();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/signin/);

  const thief = await browser.newContext({ baseURL: server.baseURL });
  await thief.addCookies(kept);
  expect((await thief.request.get("/api/account/browser-sessions")).status()).toBe(401);
  const stolen = await thief.newPage();
  await stolen.goto("/account");
  await expect(stolen).toHaveURL(/\/signin/);
  await stolen.getByLabel("Email").waitFor();
  for (const context of [page.context(), thief]) await context.close();
});
