import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { boardTasks, executions, projects, taskWorkspaces, workspaces, type Workspace } from "../db/schema";
import { ACTIVE_STATES } from "../engine/lifecycle";
import { env } from "../env";
import { log } from "../log";
import { repositoryToken } from "./credentials";
import { git, serialised } from "./git";
import { githubClient } from "./github";

/** How often a worker node looks for workspaces past their retention. */
export const RETENTION_SWEEP_MS = 10 * 60 * 1000;

/**
 * Remove workspaces unused for longer than WORKSPACE_RETENTION_HOURS, except those a task is
 * still using or whose pull request is open. Worktrees are removed from their repository (the
 * branch stays, with its commits and snapshots); scratch folders are deleted; a project's own
 * folder is never deleted, only the git dir clawlink kept for it. Each removal is logged.
 */
export async function cleanupWorkspaces(db: Database, now = new Date()): Promise<Workspace[]> {
  const cutoff = new Date(now.getTime() - env().WORKSPACE_RETENTION_HOURS * 3600_000);
  await refreshPullRequests(db, cutoff);
  const busy = db
    .select({ id: taskWorkspaces.workspaceId })
    .from(taskWorkspaces)
    .innerJoin(executions, eq(executions.id, taskWorkspaces.executionId))
    .where(inArray(executions.state, [...ACTIVE_STATES]));
  const openPr = db.select({ id: taskWorkspaces.workspaceId }).from(taskWorkspaces).where(sql`${taskWorkspaces.pullRequest} ->> 'state' = 'open'`);
  const due = await db
    .select()
    .from(workspaces)
    .where(and(isNull(workspaces.removedAt), lt(workspaces.lastUsedAt, cutoff), sql`${workspaces.id} not in ${busy}`, sql`${workspaces.id} not in ${openPr}`))
    .limit(100);
  const removed: Workspace[] = [];
  for (const ws of due) {
    // Claim it first, so two nodes never remove the same one and a task never gets it meanwhile.
    const [claimed] = await db
      .update(workspaces)
      .set({ removedAt: now, removalReason: `unused for ${env().WORKSPACE_RETENTION_HOURS} h` })
      .where(and(eq(workspaces.id, ws.id), isNull(workspaces.removedAt), lt(workspaces.lastUsedAt, cutoff)))
      .returning();
    if (!claimed) continue;
    try {
      await removeFiles(claimed);
      removed.push(claimed);
      log.info({ workspace: ws.id, kind: ws.kind, branch: ws.branch, lastUsedAt: ws.lastUsedAt.toISOString() }, "workspace removed by the retention policy");
    } catch (error) {
      log.warn({ err: error, workspace: ws.id }, "could not remove a workspace; it will be tried again");
      await db.update(workspaces).set({ removedAt: null, removalReason: null }).where(eq(workspaces.id, ws.id));
    }
  }
  return removed;
}

/**
 * Ask GitHub about open pull requests whose workspace is past its retention: one that was merged
 * or closed meanwhile no longer holds its workspace (and the task and card show the new state).
 */
async function refreshPullRequests(db: Database, cutoff: Date): Promise<void> {
  const open = await db
    .select({ taskId: taskWorkspaces.executionId, pr: taskWorkspaces.pullRequest, boardTaskId: executions.boardTaskId, project: projects })
    .from(taskWorkspaces)
    .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
    .innerJoin(executions, eq(executions.id, taskWorkspaces.executionId))
    .innerJoin(projects, eq(projects.id, executions.projectId))
    .where(and(sql`${taskWorkspaces.pullRequest} ->> 'state' = 'open'`, lt(workspaces.lastUsedAt, cutoff), isNull(workspaces.removedAt)))
    .limit(20);
  for (const row of open) {
    if (!row.pr || !row.project.githubOwner || !row.project.githubRepo) continue;
    try {
      const { data } = await (await githubClient(await repositoryToken(row.project))).rest.pulls.get({ owner: row.project.githubOwner, repo: row.project.githubRepo, pull_number: row.pr.number });
      const state = data.merged ? "merged" : data.state === "closed" ? "closed" : "open";
      if (state === "open") continue;
      // The task's record and the card's link change together.
      await db.transaction(async (tx) => {
        await tx.update(taskWorkspaces).set({ pullRequest: { ...row.pr!, state } }).where(eq(taskWorkspaces.executionId, row.taskId));
        if (row.boardTaskId) await tx.update(boardTasks).set({ pullRequest: { url: row.pr!.url, number: row.pr!.number, state } }).where(eq(boardTasks.id, row.boardTaskId));
      });
      log.info({ taskId: row.taskId, pr: row.pr.url, state }, "pull request state updated");
    } catch (error) {
      log.warn({ err: error, taskId: row.taskId }, "could not read the pull request's state from GitHub");
    }
  }
}

async function removeFiles(ws: Workspace): Promise<void> {
  if (ws.kind === "worktree" && ws.repoPath && existsSync(ws.repoPath)) {
    await serialised(ws.repoPath, async () => {
      await git({ dir: ws.repoPath! }, ["worktree", "remove", "--force", ws.path]).catch(() => undefined);
      await git({ dir: ws.repoPath! }, ["worktree", "prune"]);
    });
    await rm(ws.path, { recursive: true, force: true });
  } else if (ws.kind === "scratch") {
    await rm(ws.path, { recursive: true, force: true });
  } else if (ws.kind === "folder" && ws.gitDir) {
    await rm(ws.gitDir, { recursive: true, force: true });
  }
}

/** Run the sweep now and every RETENTION_SWEEP_MS; returns a stop function. */
export function startRetentionSweeper(db: Database, everyMs = RETENTION_SWEEP_MS): () => void {
  const sweep = () => void cleanupWorkspaces(db).catch((error: unknown) => log.warn({ err: error }, "workspace retention sweep failed"));
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  sweep();
  return () => clearInterval(timer);
}
