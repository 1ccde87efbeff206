import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { TaskPages } from "./pages/tasks";

test.beforeEach(async ({ apiAs }) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
});

test("admins see who submitted a task and filter by person; anyone searches by prompt text", async ({ pageAs, apiAs, users }) => {
  const marker = `needle${Date.now()}`;
  const dev = await apiAs("DEVELOPER");
  expect((await dev.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: `say: find the ${marker} here` } })).status()).toBe(202);
  expect((await dev.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: "say: nothing to see" } })).status()).toBe(202);

  const page = await pageAs("ADMIN");
  await page.goto("/tasks?scope=all");
  await page.getByTestId("task-search").fill(marker.toUpperCase());
  await expect(page).toHaveURL(new RegExp(`q=${marker.toUpperCase()}`));
  await expect(page.getByTestId("task-row")).toHaveCount(1);
  await expect(page.getByTestId("task-row")).toContainText(marker);
  await expect(page.getByTestId("task-submitter")).toHaveText(users.DEVELOPER.email);

  await page.goto("/tasks");
  await page.getByTestId("filter-user").selectOption({ label: users.DEVELOPER.name ? `${users.DEVELOPER.name} (${users.DEVELOPER.email})` : users.DEVELOPER.email });
  await expect(page.getByTestId("task-row").first()).toBeVisible();
  await expect(page.getByTestId("task-submitter").first()).toHaveText(users.DEVELOPER.email);
  for (const cell of await page.getByTestId("task-submitter").allTextContents()) expect(cell).toBe(users.DEVELOPER.email);
});

test("edit and run again copies the task into the form; a follow-up continues with the same agent", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  const marker = `orig-${Date.now()}`;
  const first = await tasks.submit({ prompt: `say: ${marker}`, context: { branch: "main" } });
  await tasks.expectState("COMPLETED");

  await page.getByTestId("task-edit-rerun").click();
  await expect(page).toHaveURL(new RegExp(`/tasks/new\\?from=${first}`));
  await expect(page.getByTestId("submit-prompt")).toHaveValue(`say: ${marker}`);
  await expect(page.getByTestId("submit-context")).toHaveValue(/"branch": "main"/);
  await expect(page.locator('[data-testid="agent-option-test-echo"] input')).toBeChecked();
  await page.getByTestId("submit-prompt").fill(`say: ${marker} edited`);
  await page.getByTestId("submit-task").click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(tasks.output()).toContainText(`${marker} edited`);
  await tasks.expectState("COMPLETED");

  await page.getByTestId("follow-up-prompt").fill(`say: and then ${marker}`);
  const before = page.url();
  await page.getByTestId("follow-up-submit").click();
  await expect(page).not.toHaveURL(before);
  await expect(tasks.output()).toContainText(`and then ${marker}`);
  await expect(page.getByTestId("task-detail")).toContainText("follow_up_of");
});

test("a task started from a card links to its project and card, and the card links back", async ({ pageAs, apiAs }) => {
  const admin = await apiAs("ADMIN");
  const key = `LK${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const project = await (await admin.post("/api/projects", { data: { key, name: `Links ${key}` } })).json();
  const card = await (await admin.post("/api/tasks", { data: { project_id: project.id, title: `Wire the links ${key}` } })).json();
  const run = await admin.post("/api/tasks/execute", { data: { task_id: card.id, agent_type: "test-echo", prompt: "say: linked" } });
  expect(run.status()).toBeLessThan(300);
  const { execution_id: taskId } = await run.json();

  const page = await pageAs("ADMIN");
  await page.goto(`/tasks/${taskId}`);
  await expect(page.getByTestId("task-project-link")).toHaveText(`${key} · Links ${key}`);
  await expect(page.getByTestId("task-card-link")).toContainText(`Wire the links ${key}`);
  await page.getByTestId("task-card-link").click();
  await expect(page).toHaveURL(new RegExp(`/projects/${project.id}#card-`));
  const onBoard = page.locator(`[data-testid="board-card"]`).filter({ hasText: `Wire the links ${key}` });
  await expect(onBoard).toBeVisible();
  await onBoard.getByRole("link").filter({ hasText: "test-echo" }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${taskId}$`));
});

test("the agent picker marks an agent the caller may not use, with the reason", async ({ pageAs, apiAs, users }) => {
  const admin = await apiAs("ADMIN");
  const created = await admin.post("/api/admin/policies", { data: { kind: "agent", target: "test-echo", subject_type: "user", subject_user_id: users.ADMIN.id, effect: "deny" } });
  expect(created.status()).toBe(201);
  const policy = (await created.json()) as { id: string };
  try {
    const page = await pageAs("ADMIN");
    await page.goto("/tasks/new");
    const option = page.getByTestId("agent-option-test-echo");
    await expect(option.getByTestId("agent-not-allowed")).toHaveText("not for you");
    await expect(option.getByTestId("agent-unavailable-reason")).toContainText(/polic/i);
    await expect(option.locator("input")).toBeDisabled();
  } finally {
    expect((await admin.delete(`/api/admin/policies/${policy.id}`)).status()).toBeLessThan(300);
  }
});
