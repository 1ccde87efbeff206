import { expect, test } from "./support/fixtures";

const ADMIN_PAGES = ["/admin", "/admin/devices", "/admin/policies", "/admin/audit"];

test("a viewer can read tasks and boards but cannot reach the submit or admin pages", async ({ pageAs }) => {
  const viewer = await pageAs("VIEWER");
  expect((await viewer.goto("/tasks"))?.status()).toBe(200);
  await expect(viewer.getByTestId("tasks-page")).toBeVisible();
  await expect(viewer.getByTestId("new-task")).toHaveCount(0);
  expect((await viewer.goto("/tasks/new"))?.status()).toBe(404);
  await expect(viewer.getByTestId("not-found")).toBeVisible();
  for (const path of ADMIN_PAGES) expect((await viewer.goto(path))?.status(), path).toBe(404);
  await viewer.goto("/");
  await expect(viewer.getByTestId("nav-admin")).toHaveCount(0);
});

test("a guest sees only the catalogues; a developer has no admin pages", async ({ pageAs }) => {
  const guest = await pageAs("GUEST");
  for (const path of ["/tasks", "/tasks/new", "/projects", ...ADMIN_PAGES]) expect((await guest.goto(path))?.status(), path).toBe(404);
  expect((await guest.goto("/agents"))?.status()).toBe(200);
  expect((await guest.goto("/skills"))?.status()).toBe(200);
  await guest.goto("/");
  await expect(guest.getByTestId("dashboard-empty")).toBeVisible();

  const dev = await pageAs("DEVELOPER");
  for (const path of ADMIN_PAGES) expect((await dev.goto(path))?.status(), path).toBe(404);
  expect((await dev.goto("/tasks/new"))?.status()).toBe(200);
});

test("a task of someone else answers 404 on its page", async ({ pageAs, apiAs }) => {
  const admin = await apiAs("ADMIN");
  const res = await admin.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: "say: private" } });
  expect(res.status()).toBe(202);
  const { task_id } = await res.json();
  const dev = await pageAs("DEVELOPER");
  await dev.goto(`/tasks/${task_id}`);
  await expect(dev.getByTestId("task-detail-error")).toContainText(/not found/i);
});
