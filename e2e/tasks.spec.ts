import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { TaskPages } from "./pages/tasks";

test.beforeEach(async ({ apiAs }) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
});

test("a developer submits a task to test-echo and watches its output arrive live, then complete", async ({ pageAs }, testInfo) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  const marker = `live-${Date.now()}`;
  await page.goto("/tasks/new");
  await expect(page.getByTestId("agent-option-test-echo")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("submit-task.png"), fullPage: true });

  // A bad JSON context is caught before anything is sent.
  await page.getByTestId("agent-option-test-echo").click();
  await page.getByTestId("submit-prompt").fill(marker);
  await page.getByTestId("submit-context").fill("{not json");
  await page.getByTestId("submit-task").click();
  await expect(page.getByText(/Not valid JSON/)).toBeVisible();
  await expect(page).toHaveURL(/\/tasks\/new$/);

  await tasks.submit({
    prompt: marker,
    context: { steps: [{ say: `hello ${marker}\n` }, { tool: "read_file", input: { path: "README.md" }, output: "# readme" }, { chunks: 12, text: "line", delay_ms: 400 }, { result: `done ${marker}` }] },
  });
  // Output shows up while the task is still running…
  await expect(tasks.output()).toContainText(`hello ${marker}`);
  await expect(tasks.output()).toContainText("line 1");
  await expect(tasks.state()).toHaveText(/RUNNING/);
  await expect(tasks.output()).not.toContainText("line 12");
  await expect(page.getByTestId("event-tool-call")).toContainText("read_file");
  await page.screenshot({ path: testInfo.outputPath("task-running.png"), fullPage: true });
  // …and keeps arriving until it completes.
  await expect(tasks.output()).toContainText("line 12", { timeout: 20_000 });
  await tasks.expectState("COMPLETED");
  await expect(page.getByTestId("task-result")).toHaveText(`done ${marker}`);
  await expect(page.getByTestId("timeline-step")).toHaveCount(4);
  await expect(page.getByTestId("task-audit-list")).toContainText("task.submitted");
  await page.screenshot({ path: testInfo.outputPath("task-completed.png"), fullPage: true });

  // It is in the list, and the state filter finds it.
  await page.goto("/tasks?state=COMPLETED");
  await expect(page.getByTestId("task-row").filter({ hasText: marker })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("tasks.png"), fullPage: true });
  await page.goto("/tasks?state=FAILED");
  await expect(page.getByTestId("task-row").filter({ hasText: marker })).toHaveCount(0);
});

test("a WAITING task is answered from its page and then completes", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  await tasks.submit({ prompt: "ask: Which colour should the button be?; say: bye" });
  await tasks.expectState("WAITING");
  await expect(page.getByTestId("wait-panel")).toBeVisible();
  await expect(page.getByTestId("wait-prompt")).toHaveText("Which colour should the button be?");
  await page.getByTestId("wait-answer").fill("teal");
  await page.getByTestId("wait-submit").click();
  await tasks.expectState("COMPLETED");
  await expect(page.getByTestId("wait-panel")).toHaveCount(0);
  await expect(tasks.output()).toContainText("answer: teal");

  // An approval: deny it, and the task fails with the reason.
  await tasks.submit({ prompt: "approve: rm -rf build" });
  await tasks.expectState("WAITING");
  await expect(page.getByTestId("wait-panel")).toContainText("rm -rf build");
  await page.getByTestId("wait-deny").click();
  await tasks.expectState("FAILED");
  await expect(page.getByTestId("task-error")).toContainText("Denied");
});

test("a running task is cancelled, then retried as a new task", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  const id = await tasks.submit({ prompt: "say: about to hang; hang" });
  await tasks.expectState("RUNNING");
  await expect(tasks.output()).toContainText("about to hang");
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("task-cancel").click();
  await tasks.expectState("CANCELLED");
  await expect(page.getByTestId("task-error")).toContainText("cancelled");

  await page.getByTestId("task-retry").click();
  await expect(page).not.toHaveURL(new RegExp(id));
  await expect(page.getByTestId("task-detail")).toBeVisible();
  await tasks.expectState("RUNNING");
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("task-cancel").click();
  await tasks.expectState("CANCELLED");
});
