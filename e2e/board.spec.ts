import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { BoardPage } from "./pages/board";
import { TaskPages } from "./pages/tasks";

function uniqueKey(): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return "B" + Array.from({ length: 6 }, () => letters[Math.floor(Math.random() * letters.length)]).join("");
}

test("a developer builds a board; drag-and-drop between columns persists after reload; a card runs with an agent", async ({ pageAs, apiAs }, testInfo) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
  const page = await pageAs("DEVELOPER");
  const key = uniqueKey();
  const name = `Board ${key}`;

  await page.goto("/projects");
  await page.getByTestId("project-create-open").click();
  await page.getByTestId("project-key").fill(key);
  await page.getByTestId("project-name").fill(name);
  await page.getByTestId("project-save").click();
  await expect(page.getByTestId("board-page")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);

  const board = new BoardPage(page);
  await board.addTask("todo", `Write the parser ${key}`);
  await board.addTask("todo", `Review the docs ${key}`);
  await expect(board.card(`Write the parser ${key}`)).toContainText(`${key}-1`);

  // Drag the first card into "in progress", and the second one into "in review".
  await board.drag(`Write the parser ${key}`, board.column("in_progress"));
  await expect(board.column("in_progress").getByTestId("board-card").filter({ hasText: `Write the parser ${key}` })).toBeVisible();
  await board.drag(`Review the docs ${key}`, board.column("in_review"));
  await expect(board.column("in_review").getByTestId("board-card").filter({ hasText: `Review the docs ${key}` })).toBeVisible();
  await page.reload();
  await expect(board.column("in_progress").getByTestId("board-card").filter({ hasText: `Write the parser ${key}` })).toBeVisible();
  await expect(board.column("in_review").getByTestId("board-card").filter({ hasText: `Review the docs ${key}` })).toBeVisible();
  await expect(board.column("todo").getByTestId("board-card")).toHaveCount(0);

  // Reorder within a column: drop the in-review card onto the in-progress card, above it.
  await board.drag(`Review the docs ${key}`, board.card(`Write the parser ${key}`));
  await expect(board.column("in_progress").getByTestId("board-card")).toHaveCount(2);
  await page.reload();
  await expect(board.column("in_progress").getByTestId("card-title")).toHaveText([`Review the docs ${key}`, `Write the parser ${key}`]);

  // The keyboard alternative: the card's "Move to" menu.
  await board.card(`Review the docs ${key}`).getByTestId("card-move").selectOption("done");
  await expect(board.column("done").getByTestId("board-card").filter({ hasText: `Review the docs ${key}` })).toBeVisible();

  // Edit a card.
  await board.card(`Write the parser ${key}`).getByTestId("card-edit").click();
  await page.getByTestId("board-task-title").fill(`Write the fast parser ${key}`);
  await page.getByTestId("board-task-save").click();
  await expect(board.card(`Write the fast parser ${key}`)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("board.png"), fullPage: true });

  // Execute with an agent: the live task view opens and the card links to the run.
  await board.card(`Write the fast parser ${key}`).getByTestId("card-execute").click();
  await page.getByTestId("agent-option-test-echo").click();
  await page.getByTestId("execute-prompt").fill(`say: working on ${key}`);
  await page.getByTestId("execute-submit").click();
  const tasks = new TaskPages(page);
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await tasks.expectState("COMPLETED");
  await expect(tasks.output()).toContainText(`working on ${key}`);
  await page.goBack();
  await expect(board.card(`Write the fast parser ${key}`).getByTestId("card-execution-state")).toHaveText("COMPLETED");

  await page.goto("/projects");
  await expect(page.getByTestId("project-card").filter({ hasText: name })).toContainText("2 tasks");
  await page.screenshot({ path: testInfo.outputPath("projects.png"), fullPage: true });
});

test("viewers see boards read-only; only admins delete projects", async ({ pageAs, apiAs }) => {
  const dev = await apiAs("DEVELOPER");
  const key = uniqueKey();
  const created = await dev.post("/api/projects", { data: { key, name: `Read only ${key}` } });
  expect(created.status()).toBe(201);
  const project = await created.json();
  expect((await dev.post("/api/tasks", { data: { project_id: project.id, title: `Card ${key}` } })).status()).toBe(201);

  const viewer = await pageAs("VIEWER");
  await viewer.goto(`/projects/${project.id}`);
  await expect(viewer.getByTestId("board-card").filter({ hasText: `Card ${key}` })).toBeVisible();
  await expect(viewer.getByTestId("card-move")).toHaveCount(0);
  await expect(viewer.getByTestId("column-add-todo")).toHaveCount(0);
  await viewer.goto("/projects");
  await expect(viewer.getByTestId("project-create-open")).toHaveCount(0);
  await expect(viewer.getByTestId("project-delete")).toHaveCount(0);

  const admin = await pageAs("ADMIN");
  await admin.goto("/projects");
  const card = admin.getByTestId("project-card").filter({ hasText: `Read only ${key}` });
  admin.once("dialog", (d) => void d.accept());
  await card.getByTestId("project-delete").click();
  await expect(card).toHaveCount(0);
});
