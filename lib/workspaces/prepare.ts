import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { boardTasks, executions, projects, taskWorkspaces, workspaces, type Execution, type Project, type Workspace } from "../db/schema";
import { env } from "../env";
import { log } from "../log";
import { defaultBranch, git, initRepository, isGitRepository, revParse, serialised, snapshot, type GitTarget } from "./git";
import { ensureClone } from "./clone";

export const targetOf = (ws: Pick<Workspace, "path" | "gitDir">): GitTarget => ({ dir: ws.path, gitDir: ws.gitDir });

/** A branch name a client may choose as the base: no options, no ranges, no odd characters. */
const SAFE_REF = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/;

const workspacesRoot = () => path.resolve(env().DATA_DIR, "workspaces");

/** `clawlink/<card key or short task id>`, lower-case, git-safe. */
export function branchName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .replace(/\.{2,}/g, ".")
    .slice(0, 60);
  return `clawlink/${safe || "task"}`;
}

async function freeBranch(repo: string, wanted: string): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const name = n === 1 ? wanted : `${wanted}-${n}`;
    const taken = await git({ dir: repo }, ["show-ref", "--verify", "--quiet", `refs/heads/${name}`]).then(
      () => true,
      () => false,
    );
    if (!taken) return name;
  }
  return `${wanted}-${randomUUID().slice(0, 8)}`;
}

/** The repository a project's tasks branch from: its local_path checkout, or its GitHub clone. */
async function repositoryOf(db: Database, project: Project): Promise<string | null> {
  if (project.localPath) return (await isGitRepository(project.localPath)) ? project.localPath : null;
  if (project.githubOwner && project.githubRepo) return ensureClone(db, project);
  return null;
}

/** A workspace this task should continue in: its session's, or the one of the task it follows up. */
async function reusable(db: Database, task: Execution): Promise<Workspace | undefined> {
  const sameProject = task.projectId ? eq(workspaces.projectId, task.projectId) : isNull(workspaces.projectId);
  if (task.sessionId) {
    const [ws] = await db
      .select()
      .from(workspaces)
      .where(and(eq(workspaces.sessionId, task.sessionId), sameProject, isNull(workspaces.removedAt)))
      .orderBy(desc(workspaces.lastUsedAt))
      .limit(1);
    if (ws) return ws;
  }
  // A follow-up names the agent session of an earlier task of the same person: continue in its folder
  // (Claude Code keeps sessions per folder, so a resume elsewhere would fail).
  const resume = task.context.resume_session_id;
  if (typeof resume === "string" && resume !== "") {
    const [row] = await db
      .select({ ws: workspaces })
      .from(executions)
      .innerJoin(taskWorkspaces, eq(taskWorkspaces.executionId, executions.id))
      .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
      .where(and(eq(executions.userId, task.userId), sql`${executions.result} -> 'data' ->> 'session_id' = ${resume}`, isNull(workspaces.removedAt), sameProject))
      .orderBy(desc(executions.createdAt))
      .limit(1);
    if (row) return row.ws;
  }
  return undefined;
}

async function cardKey(db: Database, task: Execution): Promise<string | undefined> {
  if (!task.boardTaskId) return undefined;
  const [card] = await db.select({ key: boardTasks.key }).from(boardTasks).where(eq(boardTasks.id, task.boardTaskId)).limit(1);
  return card?.key;
}

/** Create the workspace a new task works in (a worktree on a new branch, or a scratch repository). */
async function createWorkspace(db: Database, task: Execution): Promise<Workspace> {
  const id = randomUUID();
  const dir = path.join(workspacesRoot(), id);
  const [project] = task.projectId ? await db.select().from(projects).where(eq(projects.id, task.projectId)).limit(1) : [];
  const base = { id, userId: task.userId, sessionId: task.sessionId, projectId: task.projectId };
  const repo = project ? await repositoryOf(db, project) : null;
  if (project && repo) {
    const requested = typeof task.context.base_branch === "string" && SAFE_REF.test(task.context.base_branch) ? task.context.base_branch : undefined;
    const baseBranch = requested ?? project.defaultBranch ?? (await defaultBranch(repo));
    const label = (await cardKey(db, task)) ?? task.id.slice(0, 8);
    return serialised(repo, async () => {
      const baseCommit = await revParse({ dir: repo }, baseBranch).catch(async () => revParse({ dir: repo }, `origin/${baseBranch}`));
      const branch = await freeBranch(repo, branchName(label));
      await mkdir(workspacesRoot(), { recursive: true });
      await git({ dir: repo }, ["worktree", "add", "--quiet", "-b", branch, dir, baseCommit]);
      const [row] = await db.insert(workspaces).values({ ...base, kind: "worktree", path: dir, repoPath: repo, branch, baseBranch, baseCommit }).returning();
      log.info({ taskId: task.id, workspace: id, branch, baseBranch }, "worktree created");
      return row;
    });
  }
  if (project?.localPath) {
    // A folder that is not a repository: agents work in it as before; a git dir kept outside it
    // (under DATA_DIR) records snapshots so its changes can still be shown.
    const gitDir = path.resolve(env().DATA_DIR, "workspace-git", id);
    const target = { dir: project.localPath, gitDir };
    await mkdir(path.dirname(gitDir), { recursive: true });
    const baseCommit = await initRepository(target);
    const [row] = await db.insert(workspaces).values({ ...base, kind: "folder", path: project.localPath, gitDir, baseCommit }).returning();
    return row;
  }
  await mkdir(dir, { recursive: true });
  const baseCommit = await initRepository({ dir });
  const [row] = await db.insert(workspaces).values({ ...base, kind: "scratch", path: dir, branch: "main", baseCommit }).returning();
  return row;
}

/**
 * The folder a task works in, recorded with a snapshot of where it started so its changes can be
 * shown while it runs and after. Retries of an attempt reuse the record they made.
 */
export async function prepareWorkspace(db: Database, task: Execution): Promise<string> {
  const [existing] = await db
    .select({ ws: workspaces })
    .from(taskWorkspaces)
    .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
    .where(eq(taskWorkspaces.executionId, task.id))
    .limit(1);
  if (existing && !existing.ws.removedAt && existsSync(existing.ws.path)) return existing.ws.path;
  const ws = (await reusable(db, task).then((w) => (w && existsSync(w.path) ? w : undefined))) ?? (await createWorkspace(db, task));
  const start = await snapshot(targetOf(ws), `refs/clawlink/tasks/${task.id}/start`);
  // The link and the workspace's use are recorded together.
  await db.transaction(async (tx) => {
    await tx
      .insert(taskWorkspaces)
      .values({ executionId: task.id, workspaceId: ws.id, startHead: start.head, startSnapshot: start.snapshot })
      .onConflictDoUpdate({ target: taskWorkspaces.executionId, set: { workspaceId: ws.id, startHead: start.head, startSnapshot: start.snapshot, endHead: null, endSnapshot: null } });
    await tx.update(workspaces).set({ lastUsedAt: new Date() }).where(eq(workspaces.id, ws.id));
  });
  return ws.path;
}

/** Record where the task's work ended, so later tasks in the same workspace do not change what it shows. */
export async function finishWorkspace(db: Database, taskId: string): Promise<void> {
  const [row] = await db
    .select({ ws: workspaces })
    .from(taskWorkspaces)
    .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
    .where(eq(taskWorkspaces.executionId, taskId))
    .limit(1);
  if (!row || row.ws.removedAt || !existsSync(row.ws.path)) return;
  try {
    const end = await snapshot(targetOf(row.ws), `refs/clawlink/tasks/${taskId}/end`);
    await db.update(taskWorkspaces).set({ endHead: end.head, endSnapshot: end.snapshot }).where(eq(taskWorkspaces.executionId, taskId));
    await db.update(workspaces).set({ lastUsedAt: new Date() }).where(eq(workspaces.id, row.ws.id));
  } catch (error) {
    log.warn({ err: error, taskId }, "could not record the end of the task's changes");
  }
}
