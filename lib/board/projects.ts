import { asc, count, eq, gt, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { boardTasks, projects, type BoardStatus, type Project } from "../db/schema";
import { AppError } from "../errors";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { auditBoardChange } from "./audit";
import { parseGithubUrl } from "./github-url";
import type { CreateProjectBody, ListProjectsQuery, ProjectJson, TaskCounts, UpdateProjectBody } from "./schemas";

// Projects are a team board: anyone holding project:read sees all of them; writes need
// project:write, deletes project:delete (each function checks its own).

const EMPTY_COUNTS: TaskCounts = { todo: 0, in_progress: 0, in_review: 0, done: 0, blocked: 0, total: 0 };

export function toProjectJson(row: Project, counts: TaskCounts = EMPTY_COUNTS): ProjectJson {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    github_url: row.githubUrl,
    github_owner: row.githubOwner,
    github_repo: row.githubRepo,
    local_path: row.localPath,
    task_counter: row.taskCounter,
    task_counts: counts,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Task counts by status for each of the given projects. */
export async function taskCountsByProject(db: DbOrTx, { projectIds }: { projectIds: string[] }): Promise<Map<string, TaskCounts>> {
  const result = new Map<string, TaskCounts>(projectIds.map((id) => [id, { ...EMPTY_COUNTS }]));
  if (projectIds.length === 0) return result;
  const rows = await db
    .select({ projectId: boardTasks.projectId, status: boardTasks.status, n: count() })
    .from(boardTasks)
    .where(inArray(boardTasks.projectId, projectIds))
    .groupBy(boardTasks.projectId, boardTasks.status);
  for (const row of rows) {
    const counts = result.get(row.projectId)!;
    counts[row.status as BoardStatus] = Number(row.n);
    counts.total += Number(row.n);
  }
  return result;
}

/** One page of projects ordered by key; the cursor is the last key of the previous page. */
export async function listProjects(db: DbOrTx, ctx: AuthContext, { limit, cursor }: ListProjectsQuery): Promise<{ projects: ProjectJson[]; nextCursor: string | null }> {
  await authorize(ctx, "project:read");
  const rows = await db
    .select()
    .from(projects)
    .where(cursor ? gt(projects.key, cursor) : undefined)
    .orderBy(asc(projects.key))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const counts = await taskCountsByProject(db, { projectIds: page.map((p) => p.id) });
  return {
    projects: page.map((p) => toProjectJson(p, counts.get(p.id))),
    nextCursor: rows.length > limit ? page[page.length - 1].key : null,
  };
}

export async function findProject(db: DbOrTx, { id }: { id: string }): Promise<Project | null> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row ?? null;
}

export async function getProject(db: DbOrTx, { ctx, id }: { ctx: AuthContext; id: string }): Promise<ProjectJson> {
  await authorize(ctx, "project:read");
  const row = await findProject(db, { id });
  if (!row) throw AppError.notFound("Project");
  const counts = await taskCountsByProject(db, { projectIds: [row.id] });
  return toProjectJson(row, counts.get(row.id));
}

/** The stored github_* columns for a URL already validated by the schema (null clears them). */
function githubColumns(url: string | null | undefined) {
  if (url === undefined) return {};
  if (url === null || url.trim() === "") return { githubUrl: null, githubOwner: null, githubRepo: null };
  const ref = parseGithubUrl(url);
  if (!ref) throw new AppError("validation_failed", "github_url is not a GitHub repository URL", { field: "github_url" });
  return { githubUrl: url.trim(), githubOwner: ref.owner, githubRepo: ref.repo };
}

/**
 * CLI agents run with their tools inside a project's local_path, so choosing that folder is
 * choosing what on this server an agent may read and change: administrators only.
 */
function assertMaySetLocalPath(ctx: AuthContext, localPath: string | null | undefined): void {
  if (localPath === undefined || localPath === null) return;
  if (!ctx.permissions.has("admin:system")) {
    throw new AppError("forbidden", "Only administrators can set a project's local_path (the folder agents work in on this server)", { field: "local_path" });
  }
}

export async function createProject(db: DbOrTx, { ctx, input }: { ctx: AuthContext; input: CreateProjectBody }): Promise<ProjectJson> {
  await authorize(ctx, "project:write");
  assertMaySetLocalPath(ctx, input.local_path);
  const github = githubColumns(input.github_url);
  // The project row and its audit event commit together or not at all.
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(projects)
      .values({
        key: input.key,
        name: input.name,
        description: input.description ?? null,
        localPath: input.local_path ?? null,
        createdBy: ctx.user.id,
        ...github,
      })
      // A taken key is the caller's conflict, not a database error that aborts the transaction.
      .onConflictDoNothing({ target: projects.key })
      .returning();
    if (!inserted) throw new AppError("conflict", `A project with key ${input.key} already exists`, { field: "key", key: input.key });
    await auditBoardChange(tx, ctx, {
      eventType: "resource.created",
      action: "project.create",
      resourceType: "project",
      resourceId: inserted.id,
      details: { key: inserted.key, name: inserted.name },
    });
    return inserted;
  });
  return toProjectJson(row);
}

export async function updateProject(
  db: DbOrTx,
  { ctx, id, input }: { ctx: AuthContext; id: string; input: UpdateProjectBody },
): Promise<ProjectJson> {
  await authorize(ctx, "project:write");
  assertMaySetLocalPath(ctx, input.local_path);
  const changes = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.local_path !== undefined ? { localPath: input.local_path } : {}),
    ...githubColumns(input.github_url),
  };
  // The change and its audit event commit together.
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(projects)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(projects.id, id))
      .returning();
    if (!updated) throw AppError.notFound("Project");
    await auditBoardChange(tx, ctx, {
      eventType: "resource.modified",
      action: "project.update",
      resourceType: "project",
      resourceId: id,
      details: { key: updated.key, fields: Object.keys(input) },
    });
    return updated;
  });
  const counts = await taskCountsByProject(db, { projectIds: [row.id] });
  return toProjectJson(row, counts.get(row.id));
}

/** Delete a project; its board tasks go with it (FK cascade), runtime tasks keep running unlinked. */
export async function deleteProject(db: DbOrTx, { ctx, id }: { ctx: AuthContext; id: string }): Promise<void> {
  await authorize(ctx, "project:delete");
  // The delete, the cascade and the audit event are one unit; the row lock makes the count exact.
  await db.transaction(async (tx) => {
    const [project] = await tx.select({ id: projects.id, key: projects.key }).from(projects).where(eq(projects.id, id)).for("update");
    if (!project) throw AppError.notFound("Project");
    const [{ n }] = await tx.select({ n: count() }).from(boardTasks).where(eq(boardTasks.projectId, id));
    await tx.delete(projects).where(eq(projects.id, id));
    await auditBoardChange(tx, ctx, {
      eventType: "resource.deleted",
      action: "project.delete",
      resourceType: "project",
      resourceId: id,
      details: { key: project.key, tasks_deleted: Number(n) },
    });
  });
}

/** Issue the next task number: an atomic increment under the project's row lock, never count+1. */
export async function nextTaskNumber(tx: DbOrTx, { projectId }: { projectId: string }): Promise<{ number: number; key: string } | null> {
  const [row] = await tx
    .update(projects)
    .set({ taskCounter: sql`${projects.taskCounter} + 1` })
    .where(eq(projects.id, projectId))
    .returning({ number: projects.taskCounter, key: projects.key });
  return row ?? null;
}
