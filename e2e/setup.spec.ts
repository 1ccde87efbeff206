import type { ChildProcess } from "node:child_process";
import { expect, test } from "@playwright/test";
import { startE2eServer, stopE2eServer, type E2eServerState } from "./support/server";

// A server of its own on a brand-new embedded database, exactly as a newcomer's first start.
let server: { state: E2eServerState; child: ChildProcess };
test.beforeAll(async () => {
  test.setTimeout(240_000);
  server = await startE2eServer({ databaseUrl: null, name: "first-run", seed: false });
});
test.afterAll(async () => {
  if (server) await stopE2eServer(server.child, server.state.dataDir);
});

test("the printed setup link creates the admin, who signs in and sees the dashboard", async ({ page }, testInfo) => {
  const { baseURL, setupToken } = server.state;
  expect(setupToken).toBeTruthy();
  await page.goto(`${baseURL}/setup?token=${setupToken}`);
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Email").fill("ada.admin@example.com");
  await page.getByLabel("Password", { exact: true }).fill("a very good password");
  await page.getByLabel("Repeat password").fill("a very good password");
  await page.getByTestId("setup-submit").click();

  await expect(page.getByTestId("dashboard")).toBeVisible();
  await expect(page.getByTestId("user-role")).toHaveText("ADMIN");
  await page.screenshot({ path: testInfo.outputPath("dashboard.png"), fullPage: true });

  // The link is spent.
  await page.goto(`${baseURL}/setup?token=${setupToken}`);
  await expect(page.getByTestId("setup-invalid")).toBeVisible();

  // Sign out, then sign in again with the new account.
  await page.goto(`${baseURL}/`);
  await page.getByTestId("user-menu").click();
  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("signin-form")).toBeVisible();
  await page.getByLabel("Email").fill("ada.admin@example.com");
  await page.getByLabel("Password").fill("wrong password!!");
  await page.getByTestId("signin-submit").click();
  await expect(page.getByTestId("signin-error")).toBeVisible();
  await page.getByLabel("Password").fill("a very good password");
  await page.getByTestId("signin-submit").click();
  await expect(page.getByTestId("dashboard")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("signed-in.png") });
});

test("anonymous visitors are sent to sign in", async ({ page }) => {
  await page.goto(`${server.state.baseURL}/`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F/);
  await expect(page.getByTestId("signin-form")).toBeVisible();
});
