import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { BoardPage } from "./pages/board";
import { TaskPages } from "./pages/tasks";

/** A checkout whose origin is a local bare repository (where the pull request's branch is pushed). */
function seedRepository(): { checkout: string; bare: string } {
  const root = mkdtempSync(path.join(tmpdir(), "clawlink-e2e-repo-"));
  const env = { ...process.env, GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.com", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.com" };
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env, encoding: "utf8" });
  const bare = path.join(root, "demo.git");
  const checkout = path.join(root, "checkout");
  execFileSync("mkdir", ["-p", bare, checkout]);
  git(bare, "init", "--quiet", "--bare", "--initial-branch=main");
  git(checkout, "init", "--quiet", "--initial-branch=main");
  writeFileSync(path.join(checkout, "README.md"), "# Demo\n");
  git(checkout, "add", "--all");
  git(checkout, "commit", "--quiet", "-m", "Initial commit");
  git(checkout, "remote", "add", "origin", bare);
  git(checkout, "push", "--quiet", "-u", "origin", "main");
  return { checkout, bare };
}

test("a card's task on a project with a repository: see the diff, create the pull request, the card links to it", async ({ pageAs, apiAs }, testInfo) => {
  const admin = await apiAs("ADMIN");
  await warmUpTestAgent(admin);
  const repo = seedRepository();
  const key = `PR${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const created = await admin.post("/api/projects", { data: { key, name: `Repo ${key}`, local_path: repo.checkout, github_url: "https://github.com/octo/demo" } });
  expect(created.status()).toBe(201);
  const project = await created.json();
  expect((await admin.put(`/api/projects/${project.id}/repository`, { data: { credential: { type: "token", token: "ghp_valid" } } })).status()).toBe(200);
  expect((await admin.post("/api/tasks", { data: { project_id: project.id, title: `Add a greeting ${key}` } })).status()).toBe(201);

  const page = await pageAs("ADMIN");
  await page.goto(`/projects/${project.id}`);
  const board = new BoardPage(page);
  await board.card(`Add a greeting ${key}`).getByTestId("card-execute").click();
  await page.getByTestId("agent-option-test-echo").click();
  await page.getByTestId("execute-prompt").fill("write:src/greeting.ts=export const greeting = \"hello\"\\n");
  await page.getByTestId("execute-submit").click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await new TaskPages(page).expectState("COMPLETED");

  await page.getByTestId("changes-toggle").click();
  await expect(page.getByTestId("changes-files")).toContainText("src/greeting.ts");
  await expect(page.getByTestId("changes-workspace")).toContainText(`clawlink/${key.toLowerCase()}-1`);
  await expect(page.getByTestId("diff-file")).toContainText('export const greeting = "hello"');
  await expect(page.getByTestId("changes-retention")).toContainText("kept until");
  await page.screenshot({ path: testInfo.outputPath("changes.png"), fullPage: true });

  await page.getByLabel("Pull request title").fill(`Greeting ${key}`);
  await page.getByTestId("pull-request-create").click();
  await expect(page.getByTestId("pull-request-link")).toHaveText("#1", { timeout: 30_000 });

  await page.goto(`/projects/${project.id}`);
  const card = board.column("in_review").getByTestId("board-card").filter({ hasText: `Add a greeting ${key}` });
  await expect(card.getByTestId("card-pull-request")).toHaveAttribute("href", /\/octo\/demo\/pull\/1$/);
  await page.screenshot({ path: testInfo.outputPath("board-pr.png"), fullPage: true });
});
