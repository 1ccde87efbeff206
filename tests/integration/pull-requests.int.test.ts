import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeBoardTask } from "../../lib/board/execute";
import { createProject } from "../../lib/board/projects";
import { createTask, findTask } from "../../lib/board/tasks";
import { auditEvents, projects } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { getTaskChanges } from "../../lib/workspaces/changes";
import { createPullRequest } from "../../lib/workspaces/pull-request";
import { cleanupWorkspaces } from "../../lib/workspaces/retention";
import { getRepositorySettings, updateRepositorySettings } from "../../lib/workspaces/repository-settings";
import { routeHandlers } from "../support/api";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, testWorker, waitForState } from "../support/engine";
import { gitIn, seedRepository } from "../support/git-repos";
import { startFakeGithub, type FakeGithub } from "../fakes/github-server";

describe("pull requests from a task's worktree (local bare remote, fake GitHub)", { timeout: 180_000 }, async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let bob: TestUser;
  let vera: TestUser;
  let worker: Worker;
  let github: FakeGithub;
  let repo: ReturnType<typeof seedRepository>;
  let projectId: string;
  const saved = { DATA_DIR: process.env.DATA_DIR, GITHUB_API_URL: process.env.GITHUB_API_URL, GITHUB_GIT_URL: process.env.GITHUB_GIT_URL };

  beforeAll(async () => {
    github = await startFakeGithub();
    process.env.DATA_DIR = await mkdtemp(path.join(tmpdir(), "clawlink-data-"));
    process.env.GITHUB_API_URL = github.url;
    repo = seedRepository();
    process.env.GITHUB_GIT_URL = repo.remoteRoot;
    resetEnv();
    ada = await createUser(database.db, { role: "ADMIN", name: "Ada" });
    bob = await createUser(database.db, { role: "DEVELOPER", name: "Bob" });
    vera = await createUser(database.db, { role: "VIEWER", name: "Vera" });
    projectId = (await createProject(database.db, { ctx: contextFor(ada), input: { key: "DEMO", name: "Demo", local_path: repo.checkout, github_url: "https://github.com/octo/demo" } })).id;
    await updateRepositorySettings(database.db, contextFor(ada), projectId, { credential: { type: "token", token: "ghp_valid" } });
    worker = await testWorker(database);
  });
  afterAll(async () => {
    await worker?.stop();
    await github?.close();
    Object.assign(process.env, saved);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    resetEnv();
  });

  async function runCard(title: string, prompt: string) {
    const card = await createTask(database.db, { ctx: contextFor(ada), input: { project_id: projectId, title, status: "todo", priority: "medium" } });
    const run = await executeBoardTask(database.db, { ctx: contextFor(ada), runtime, input: { task_id: card.id, agent_type: "test-echo", prompt }, wait: false, waitSeconds: 0 });
    await waitForState(database, run.body.execution_id, "COMPLETED");
    return { card, taskId: run.body.execution_id };
  }

  it("stores the credential encrypted and never shows it", async () => {
    const settings = await getRepositorySettings(database.db, contextFor(ada), projectId);
    expect(settings.credential).toEqual({ set: true, type: "token", source: "project" });
    expect(JSON.stringify(settings)).not.toContain("ghp_valid");
    const [row] = await database.db.select({ enc: projects.repoCredentialEncrypted }).from(projects).where(eq(projects.id, projectId));
    expect(row.enc).toMatch(/^v1\./);
    expect(row.enc).not.toContain("ghp_valid");
  });

  it("commits as the submitter, pushes the branch, opens the pull request and moves the card to In review", async () => {
    const { card, taskId } = await runCard("Add a greeting", "write:hello.txt=hi there");
    const pr = await createPullRequest(database.db, contextFor(ada), taskId, { title: "Add a greeting" });
    expect(pr).toMatchObject({ number: 1, state: "open", head: "clawlink/demo-1", base: "main", url: "https://github.example/octo/demo/pull/1" });
    // The branch is on the remote with the commit, authored by the task's submitter.
    expect(gitIn(repo.bare, ["log", "-1", "--format=%an <%ae>|%s", "clawlink/demo-1"]).trim()).toBe(`Ada <${ada.email}>|Add a greeting`);
    expect(gitIn(repo.bare, ["show", "clawlink/demo-1:hello.txt"])).toBe("hi there");
    const call = github.requests.find((r) => r.method === "POST" && r.path === "/repos/octo/demo/pulls");
    expect(call?.auth).toBe("token ghp_valid");
    expect(call?.body).toMatchObject({ head: "clawlink/demo-1", base: "main", title: "Add a greeting" });
    const moved = await findTask(database.db, { id: card.id });
    expect(moved).toMatchObject({ status: "in_review", pullRequest: { url: pr.url, number: 1, state: "open" } });
    expect((await getTaskChanges(database.db, contextFor(ada), taskId)).pull_request).toMatchObject({ number: 1 });
    expect((await runtime.getTask(contextFor(ada), taskId)).pull_request).toMatchObject({ url: pr.url, number: 1, state: "open" });
    const audit = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, "pull_request.create"), eq(auditEvents.resourceId, taskId)));
    expect(audit).toHaveLength(1);
    // A second one for the same task is refused while the first is open.
    await expect(createPullRequest(database.db, contextFor(ada), taskId, {})).rejects.toMatchObject({ code: "conflict" });
  });

  it("answers GitHub's errors with clear 4xx and leaves the worktree intact", async () => {
    const { taskId } = await runCard("Rate limited", "write:notes.md=note");
    const changes = await getTaskChanges(database.db, contextFor(ada), taskId);
    github.failNext = { status: 403, body: { message: "API rate limit exceeded for user." }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 600) } };
    await expect(createPullRequest(database.db, contextFor(ada), taskId, {})).rejects.toMatchObject({ code: "rate_limited", status: 429 });
    const worktree = path.join(process.env.DATA_DIR!, "workspaces");
    expect(existsSync(worktree)).toBe(true);
    expect((await getTaskChanges(database.db, contextFor(ada), taskId)).files).toEqual(changes.files);

    await updateRepositorySettings(database.db, contextFor(ada), projectId, { credential: { type: "token", token: "ghp_revoked" } });
    await expect(createPullRequest(database.db, contextFor(ada), taskId, {})).rejects.toMatchObject({ code: "validation_failed", message: expect.stringContaining("GitHub rejected the credential") });
    await updateRepositorySettings(database.db, contextFor(ada), projectId, { credential: { type: "token", token: "ghp_valid" } });
    // After the failures the same task still opens its pull request.
    expect((await createPullRequest(database.db, contextFor(ada), taskId, {})).state).toBe("open");
  });

  it("refuses a branch that exists on the remote with other commits, and a task with no changes", async () => {
    const { taskId } = await runCard("Clash", "write:clash.txt=mine");
    // Someone else pushed the same branch name meanwhile.
    const other = path.join(await mkdtemp(path.join(tmpdir(), "clawlink-other-")), "c");
    gitIn(path.dirname(other), ["clone", "--quiet", repo.bare, other]);
    gitIn(other, ["checkout", "--quiet", "-b", "clawlink/demo-3"]);
    gitIn(other, ["commit", "--quiet", "--allow-empty", "-m", "theirs"]);
    gitIn(other, ["push", "--quiet", "origin", "clawlink/demo-3"]);
    await expect(createPullRequest(database.db, contextFor(ada), taskId, {})).rejects.toMatchObject({ code: "conflict", details: { reason: "branch_exists" } });
    expect(readFileSync(path.join((await worktreeOf(taskId))!, "clash.txt"), "utf8")).toBe("mine");

    // It rewrites a file with the content it already has: a workspace, but nothing changed.
    const { taskId: idle } = await runCard("Nothing", "write:README.md=# Demo\\n");
    await expect(createPullRequest(database.db, contextFor(ada), idle, {})).rejects.toMatchObject({ code: "validation_failed", details: { reason: "no_changes" } });
  });

  it("needs task:submit and project:write, and is scoped like the task (over HTTP too)", async () => {
    const { taskId } = await runCard("Scoped", "write:scoped.txt=1");
    const changes = routeHandlers("/api/runtime/tasks/{id}/changes");
    const seen = await changes.GET(await browserRequest(ada.id, `/api/runtime/tasks/${taskId}/changes`), routeParams({ id: taskId }));
    expect(seen.status).toBe(200);
    expect((await seen.json()).files).toEqual([expect.objectContaining({ path: "scoped.txt", status: "added" })]);
    expect((await changes.GET(await browserRequest(bob.id, `/api/runtime/tasks/${taskId}/changes`), routeParams({ id: taskId }))).status).toBe(404);
    const open = routeHandlers("/api/runtime/tasks/{id}/pull-request");
    const denied = await open.POST(await browserRequest(vera.id, `/api/runtime/tasks/${taskId}/pull-request`, { method: "POST", body: "{}" }), routeParams({ id: taskId }));
    expect(denied.status).toBe(403);
    const bad = await open.POST(await browserRequest(ada.id, `/api/runtime/tasks/${taskId}/pull-request`, { method: "POST", body: JSON.stringify({ title: "" }) }), routeParams({ id: taskId }));
    expect(bad.status).toBe(422);
    await expect(createPullRequest(database.db, contextFor(vera), taskId, {})).rejects.toMatchObject({ code: "forbidden" });
    await expect(createPullRequest(database.db, contextFor(bob), taskId, {})).rejects.toMatchObject({ code: "not_found" });
  });

  it("works with a GitHub App credential and a repository cloned from github_url", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const cloned = (await createProject(database.db, { ctx: contextFor(ada), input: { key: "CLONE", name: "Cloned", github_url: "https://github.com/octo/demo" } })).id;
    await updateRepositorySettings(database.db, contextFor(ada), cloned, { credential: { type: "app", app_id: "123", installation_id: "456", private_key: privateKey } });
    const id = await submit(database, ada, { prompt: "write:from-clone.txt=cloned", project_id: cloned });
    await waitForState(database, id, "COMPLETED");
    const pr = await createPullRequest(database.db, contextFor(ada), id, { title: "From the clone" });
    expect(pr.head).toBe(`clawlink/${id.slice(0, 8)}`);
    expect(github.requests.some((r) => r.path === "/app/installations/456/access_tokens")).toBe(true);
    expect(github.requests.filter((r) => r.path === "/repos/octo/demo/pulls").at(-1)?.auth).toBe("token ghs_installation_456");
    expect(gitIn(repo.bare, ["show", `${pr.head}:from-clone.txt`])).toBe("cloned");
  });

  it("retention asks GitHub about open pull requests: a merged one releases its workspace and shows as merged", async () => {
    const { card, taskId } = await runCard("Merge me", "write:merged.txt=1");
    const pr = await createPullRequest(database.db, contextFor(ada), taskId, {});
    github.pulls.find((p) => p.number === pr.number)!.state = "merged";
    const { taskWorkspaces, workspaces } = await import("../../lib/db/schema");
    const [link] = await database.db.select().from(taskWorkspaces).where(eq(taskWorkspaces.executionId, taskId));
    await database.db.update(workspaces).set({ lastUsedAt: new Date(Date.now() - 1000 * 3600_000) }).where(eq(workspaces.id, link.workspaceId));
    const removed = await cleanupWorkspaces(database.db);
    expect(removed.map((w) => w.id)).toContain(link.workspaceId);
    expect((await getTaskChanges(database.db, contextFor(ada), taskId)).pull_request?.state).toBe("merged");
    expect((await findTask(database.db, { id: card.id }))?.pullRequest?.state).toBe("merged");
  });

  async function worktreeOf(taskId: string): Promise<string | undefined> {
    const { taskWorkspaces, workspaces } = await import("../../lib/db/schema");
    const [row] = await database.db.select({ path: workspaces.path }).from(taskWorkspaces).innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId)).where(eq(taskWorkspaces.executionId, taskId));
    return row?.path;
  }
});
