import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../../lib/board/projects";
import { executions, taskWorkspaces, workspaces } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { getTaskChanges } from "../../lib/workspaces/changes";
import { prepareWorkspace } from "../../lib/workspaces/prepare";
import { cleanupWorkspaces } from "../../lib/workspaces/retention";
import { createUser, openSessionFor, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, testWorker, waitForState } from "../support/engine";
import { gitIn, seedRepository } from "../support/git-repos";

describe("workspaces: a git worktree per task, scratch repositories, and the changes they show", { timeout: 180_000 }, async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let bob: TestUser;
  let worker: Worker;
  let repo: ReturnType<typeof seedRepository>;
  let projectId: string;
  const savedDataDir = process.env.DATA_DIR;

  beforeAll(async () => {
    process.env.DATA_DIR = await mkdtemp(path.join(tmpdir(), "clawlink-data-"));
    resetEnv();
    ada = await createUser(database.db, { role: "ADMIN", name: "Ada" });
    bob = await createUser(database.db, { role: "DEVELOPER", name: "Bob" });
    repo = seedRepository();
    projectId = (await createProject(database.db, { ctx: contextFor(ada), input: { key: "DEMO", name: "Demo", local_path: repo.checkout } })).id;
    worker = await testWorker(database);
  });
  afterAll(async () => {
    await worker?.stop();
    process.env.DATA_DIR = savedDataDir;
    resetEnv();
  });

  const steps = (...list: Array<Record<string, unknown>>) => ({ steps: list });

  it("gives two concurrent tasks on one repository their own worktree and branch", async () => {
    const [one, two] = await Promise.all([
      submit(database, ada, { prompt: "one", project_id: projectId, context: steps({ write: "README.md", content: "# One\n" }, { sleep_ms: 300 }) }),
      submit(database, ada, { prompt: "two", project_id: projectId, context: steps({ write: "README.md", content: "# Two\n" }, { sleep_ms: 300 }) }),
    ]);
    // Two worktrees at once on a loaded machine: a generous wait.
    await Promise.all([waitForState(database, one, "COMPLETED", 90_000), waitForState(database, two, "COMPLETED", 90_000)]);
    const [a, b] = [await getTaskChanges(database.db, contextFor(ada), one), await getTaskChanges(database.db, contextFor(ada), two)];
    expect(a.workspace?.kind).toBe("worktree");
    expect(a.workspace?.branch).toBe(`clawlink/${one.slice(0, 8)}`);
    expect(b.workspace?.branch).toBe(`clawlink/${two.slice(0, 8)}`);
    expect(a.workspace?.base_branch).toBe("main");
    expect(a.diff).toContain("+# One");
    expect(a.diff).not.toContain("Two");
    expect(b.diff).toContain("+# Two");
    // The project's own checkout is left as it was.
    expect(readFileSync(path.join(repo.checkout, "README.md"), "utf8")).toBe("# Demo\n");
    expect(gitIn(repo.checkout, ["status", "--porcelain"]).trim()).toBe("");
    const paths = await database.db.select({ path: workspaces.path }).from(workspaces).where(eq(workspaces.projectId, projectId));
    expect(new Set(paths.map((p) => p.path)).size).toBe(paths.length);
  });

  it("reports added, modified, deleted, renamed and binary files with stats, the diff and the agent's commits", async () => {
    const id = await submit(database, ada, {
      prompt: "changes",
      project_id: projectId,
      context: steps(
        { write: "src/new.ts", content: "export const x = 1;\nexport const y = 2;\n" },
        { write: "README.md", content: "# Demo\n\nMore words.\n" },
        { delete: "old.txt" },
        { commit: "Agent: first part" },
        { delete: "a.txt" },
        { write: "b.txt", content: "same content\nline two\nline three\n" },
        { write: "logo.bin", base64: Buffer.from([0, 1, 2, 98, 105, 110, 0]).toString("base64") },
      ),
    });
    await waitForState(database, id, "COMPLETED");
    const changes = await getTaskChanges(database.db, contextFor(ada), id);
    expect(changes.live).toBe(false);
    const byPath = Object.fromEntries(changes.files.map((f) => [f.path, f]));
    expect(byPath["src/new.ts"]).toMatchObject({ status: "added", additions: 2, deletions: 0, binary: false });
    expect(byPath["README.md"]).toMatchObject({ status: "modified", additions: 2, deletions: 0 });
    expect(byPath["old.txt"]).toMatchObject({ status: "deleted", deletions: 1 });
    expect(byPath["b.txt"]).toMatchObject({ status: "renamed", old_path: "a.txt" });
    expect(byPath["logo.bin"]).toMatchObject({ status: "added", binary: true, additions: 0 });
    expect(changes.stats).toEqual({
      files: 5,
      additions: changes.files.reduce((n, f) => n + f.additions, 0),
      deletions: changes.files.reduce((n, f) => n + f.deletions, 0),
    });
    expect(changes.diff).toMatch(/diff --git a\/src\/new\.ts b\/src\/new\.ts/);
    expect(changes.diff).toContain("rename from a.txt");
    expect(changes.diff).toMatch(/Binary files .*logo\.bin differ/);
    expect(changes.commits).toEqual([expect.objectContaining({ message: "Agent: first part", author_name: "test-echo" })]);
  });

  it("shows changes while the task runs, and is scoped like the task", async () => {
    const id = await submit(database, ada, { prompt: "live", project_id: projectId, context: steps({ write: "wip.txt", content: "in progress\n" }, { hang: true }) });
    await waitForState(database, id, "RUNNING");
    await expect.poll(async () => (await getTaskChanges(database.db, contextFor(ada), id)).files.map((f) => f.path), { timeout: 10_000 }).toEqual(["wip.txt"]);
    expect((await getTaskChanges(database.db, contextFor(ada), id)).live).toBe(true);
    await expect(getTaskChanges(database.db, contextFor(bob), id)).rejects.toMatchObject({ code: "not_found" });
    await runtime.cancelTask(contextFor(ada), id);
    await waitForState(database, id, "CANCELLED");
    const after = await getTaskChanges(database.db, contextFor(ada), id);
    expect(after.live).toBe(false);
    expect(after.files.map((f) => f.path)).toEqual(["wip.txt"]);
  });

  it("gives a task without a repository a scratch repository whose changes show too", async () => {
    const first = await submit(database, bob, { prompt: "write:hello.txt=hi" });
    await waitForState(database, first, "COMPLETED");
    const changes = await getTaskChanges(database.db, contextFor(bob), first);
    expect(changes.workspace).toMatchObject({ kind: "scratch", branch: "main" });
    expect(changes.files).toEqual([expect.objectContaining({ path: "hello.txt", status: "added" })]);
    expect(changes.workspace?.retained_until).not.toBeNull();
    // A run that touches no files (API agents, most test scripts) gets no repository at all.
    const plain = await submit(database, bob, { prompt: "say:hello" });
    await waitForState(database, plain, "COMPLETED");
    expect((await getTaskChanges(database.db, contextFor(bob), plain)).workspace).toBeNull();
  });

  it("keeps one workspace per runtime session, so follow-ups see the last one's files", async () => {
    const session = { session_id: (await openSessionFor(database.db, bob.id, { deviceId: "laptop-ws" })).sessionId };
    // Rows as submit makes them, in a final state so the worker leaves them alone.
    const insert = () =>
      database.db
        .insert(executions)
        .values({ userId: bob.id, agentType: "test-echo", prompt: "x", sessionId: session.session_id, state: "COMPLETED" })
        .returning()
        .then((rows) => rows[0]);
    const first = await prepareWorkspace(database.db, await insert());
    const second = await prepareWorkspace(database.db, await insert());
    expect(second).toBe(first);
    const other = await prepareWorkspace(database.db, { ...(await insert()), sessionId: null });
    expect(other).not.toBe(first);
  });

  it("removes workspaces past their retention, except busy ones and those with an open pull request", async () => {
    const old = new Date(Date.now() - 400 * 3600_000);
    const done = await submit(database, ada, { prompt: "write:x.txt=1", project_id: projectId });
    const scratch = await submit(database, bob, { prompt: "write:y.txt=2" });
    const withPr = await submit(database, ada, { prompt: "write:z.txt=3", project_id: projectId });
    const busy = await submit(database, ada, { prompt: "write:busy.txt=1;hang", project_id: projectId });
    await Promise.all([waitForState(database, done, "COMPLETED"), waitForState(database, scratch, "COMPLETED"), waitForState(database, withPr, "COMPLETED"), waitForState(database, busy, "RUNNING")]);
    const wsOf = async (id: string) => (await database.db.select({ ws: workspaces }).from(taskWorkspaces).innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId)).where(eq(taskWorkspaces.executionId, id)))[0].ws;
    await database.db.update(taskWorkspaces).set({ pullRequest: { url: "https://x/pull/9", number: 9, state: "open", head: "h", base: "main", created_at: new Date().toISOString() } }).where(eq(taskWorkspaces.executionId, withPr));
    for (const id of [done, scratch, withPr, busy]) await database.db.update(workspaces).set({ lastUsedAt: old }).where(eq(workspaces.id, (await wsOf(id)).id));

    const removed = await cleanupWorkspaces(database.db);
    const removedIds = removed.map((w) => w.id);
    expect(removedIds).toEqual(expect.arrayContaining([(await wsOf(done)).id, (await wsOf(scratch)).id]));
    expect(removedIds).not.toContain((await wsOf(withPr)).id);
    expect(removedIds).not.toContain((await wsOf(busy)).id);
    expect(existsSync((await wsOf(done)).path)).toBe(false);
    expect(existsSync((await wsOf(scratch)).path)).toBe(false);
    expect(existsSync((await wsOf(withPr)).path)).toBe(true);
    // The branch and the task's changes outlive the worktree; the task page says it was removed.
    expect(gitIn(repo.checkout, ["branch", "--list", (await wsOf(done)).branch!]).trim()).not.toBe("");
    const after = await getTaskChanges(database.db, contextFor(ada), done);
    expect(after.workspace?.removed_at).not.toBeNull();
    expect(after.files.map((f) => f.path)).toEqual(["x.txt"]);
    expect(gitIn(repo.checkout, ["worktree", "list"])).not.toContain((await wsOf(done)).path);
    await runtime.cancelTask(contextFor(ada), busy);
  });
});
