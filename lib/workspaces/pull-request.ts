import { existsSync } from "node:fs";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { endOfColumn } from "../board/tasks";
import { boardTasks, projects, taskWorkspaces, users, workspaces, type PullRequestInfo } from "../db/schema";
import { isTerminal } from "../engine/lifecycle";
import { AppError } from "../errors";
import { log } from "../log";
import { loadVisibleTask } from "../runtime/access";
import { actorOf, recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { gitAuthConfig, repositoryToken } from "./credentials";
import { git, serialised } from "./git";
import { githubClient, githubError } from "./github";

export const createPullRequestBody = z
  .object({
    title: z.string().trim().min(1).max(256).optional(),
    body: z.string().max(60_000).optional(),
    /** The commit message for uncommitted changes; defaults to the title. */
    commit_message: z.string().trim().min(1).max(10_000).optional(),
  })
  .strict();
export type CreatePullRequestBody = z.infer<typeof createPullRequestBody>;

function firstLine(text: string, max = 72): string {
  const line = text.split("\n").map((l) => l.trim()).find(Boolean) ?? "Changes by coderClawLink";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * "Create pull request": commit the worktree's changes (author: the task's submitter), push its
 * branch with the project's credential, open the pull request on GitHub, and record it on the
 * task and its board card (which moves to In review). Any failure leaves the worktree as it is.
 */
export async function createPullRequest(db: Database, ctx: AuthContext, taskId: string, input: CreatePullRequestBody): Promise<PullRequestInfo> {
  await authorize(ctx, "task:submit");
  await authorize(ctx, "project:write");
  const task = await loadVisibleTask(db, ctx, taskId);
  if (!isTerminal(task.state)) throw new AppError("invalid_state", `Wait until the task ends before proposing its changes (it is ${task.state})`, { state: task.state });
  const [row] = await db
    .select({ link: taskWorkspaces, ws: workspaces })
    .from(taskWorkspaces)
    .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
    .where(eq(taskWorkspaces.executionId, task.id))
    .limit(1);
  if (!row || row.ws.kind !== "worktree" || !row.ws.branch || !row.ws.baseBranch) throw new AppError("invalid_state", "This task did not run in a git worktree of a project repository");
  if (row.ws.removedAt || !existsSync(row.ws.path)) throw new AppError("invalid_state", "The task's worktree was removed by the retention policy");
  if (row.link.pullRequest?.state === "open") throw new AppError("conflict", `A pull request is already open for this task: ${row.link.pullRequest.url}`, { pull_request: row.link.pullRequest });
  const [project] = task.projectId ? await db.select().from(projects).where(eq(projects.id, task.projectId)).limit(1) : [];
  if (!project?.githubOwner || !project.githubRepo) throw new AppError("validation_failed", "The project has no GitHub repository: set its github_url first");
  const [author] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, task.userId)).limit(1);

  const title = input.title ?? firstLine(task.prompt);
  const dir = row.ws.path;
  const branch = row.ws.branch;
  const base = row.ws.baseBranch;
  const token = await repositoryToken(project);

  await serialised(row.ws.repoPath ?? dir, async () => {
    await git({ dir }, ["add", "--all"]);
    const staged = await git({ dir }, ["diff", "--cached", "--quiet"]).then(
      () => false,
      () => true,
    );
    if (staged) {
      const who = { name: author?.name ?? author?.email ?? ctx.user.email, email: author?.email ?? ctx.user.email };
      await git({ dir }, ["commit", "--quiet", "-m", input.commit_message ?? title], {
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_COMMITTER_NAME: ctx.user.name ?? ctx.user.email,
        GIT_COMMITTER_EMAIL: ctx.user.email,
      });
    }
    const ahead = Number((await git({ dir }, ["rev-list", "--count", `${row.ws.baseCommit ?? base}..HEAD`])).trim());
    if (!ahead) throw new AppError("validation_failed", "The task made no changes to propose", { reason: "no_changes" });
    try {
      await git({ dir }, [...gitAuthConfig(token), "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (/rejected|non-fast-forward|fetch first/i.test(text)) throw new AppError("conflict", `The branch ${branch} already exists on GitHub with other commits`, { reason: "branch_exists", branch });
      if (/Authentication failed|403|401|could not read Username/i.test(text)) throw new AppError("validation_failed", "GitHub rejected the credential while pushing: set a valid token for the project", { reason: "bad_credential" });
      throw new AppError("unavailable", `Could not push ${branch}: ${firstLine(text, 300)}`);
    }
  });

  let created;
  try {
    created = await (await githubClient(token)).rest.pulls.create({ owner: project.githubOwner, repo: project.githubRepo, head: branch, base, title, body: input.body ?? defaultBody(task.prompt, task.id) });
  } catch (error) {
    throw githubError(error, "opening the pull request");
  }
  const pr: PullRequestInfo = { url: created.data.html_url, number: created.data.number, state: "open", head: branch, base, created_at: new Date().toISOString() };

  // The task's record, the card's link and move, and the audit row commit together.
  await db.transaction(async (tx) => {
    await tx.update(taskWorkspaces).set({ pullRequest: pr }).where(eq(taskWorkspaces.executionId, task.id));
    if (task.boardTaskId) {
      const position = await endOfColumn(tx, { projectId: project.id, status: "in_review" });
      await tx
        .update(boardTasks)
        .set({ pullRequest: { url: pr.url, number: pr.number, state: pr.state }, status: "in_review", position, updatedAt: new Date() })
        .where(eq(boardTasks.id, task.boardTaskId));
    }
    await recordAudit(tx, {
      eventType: "resource.created",
      action: "pull_request.create",
      ...actorOf(ctx),
      resourceType: "pull_request",
      resourceId: task.id,
      details: { url: pr.url, number: pr.number, branch, base, repo: `${project.githubOwner}/${project.githubRepo}`, board_task_id: task.boardTaskId },
    });
  });
  log.info({ taskId: task.id, pr: pr.url }, "pull request opened");
  return pr;
}

function defaultBody(prompt: string, taskId: string): string {
  return `${prompt.trim().slice(0, 4000)}\n\n---\nOpened by coderClawLink from task ${taskId}.`;
}
