import { expect, test } from "./support/fixtures";

test("each role sees only the sections it may use; the rest answer 404", async ({ pageAs }) => {
  const viewer = await pageAs("VIEWER");
  await viewer.goto("/");
  await expect(viewer.getByTestId("dashboard")).toBeVisible();
  await expect(viewer.getByTestId("user-role")).toHaveText("VIEWER");
  await expect(viewer.getByTestId("nav-tasks")).toBeVisible();
  await expect(viewer.getByTestId("nav-admin")).toHaveCount(0);
  const adminPage = await viewer.goto("/admin");
  expect(adminPage?.status()).toBe(404);

  const guest = await pageAs("GUEST");
  await guest.goto("/");
  await expect(guest.getByTestId("nav-tasks")).toHaveCount(0);
  await expect(guest.getByTestId("nav-projects")).toHaveCount(0);

  const admin = await pageAs("ADMIN");
  await admin.goto("/");
  await expect(admin.getByTestId("nav-admin")).toBeVisible();
});
