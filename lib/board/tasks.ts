import { and, asc, eq, isNull, max, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { boardTasks, projects, users, type BoardStatus, type BoardTask } from "../db/schema";
import { AppError } from "../errors";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { decodeCursor, encodeCursor } from "../cursor";
import { auditBoardChange } from "./audit";
import { POSITION_STEP } from "./positions";
import { nextTaskNumber } from "./projects";
import type { BoardTaskDetailJson, BoardTaskJson, CreateTaskBody, ListTasksQuery, UpdateTaskBody } from "./schemas";
import { executionsForTask, latestExecutions, type ExecutionSummary } from "./task-executions";

// Board tasks are shared by the team like their projects: project:read sees them all,
// project:write changes them (the routes check the permissions).

export type BoardTaskRow = BoardTask & { projectKey: string };

export function toTaskJson(row: BoardTaskRow, lastExecution: ExecutionSummary | null = null): BoardTaskJson {
  return {
    id: row.id,
    project_id: row.projectId,
    project_key: row.projectKey,
    number: row.number,
    key: row.key,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    position: row.position,
    assignee_id: row.assigneeId,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    last_execution: lastExecution,
    pull_request: row.pullRequest ?? null,
  };
}

const taskWithProjectKey = { task: boardTasks, projectKey: projects.key };

/** One board task with its project's key, or null. `lock` takes the row lock for a write. */
export async function findTask(db: DbOrTx, { id, lock = false }: { id: string; lock?: boolean }): Promise<BoardTaskRow | null> {
  const query = db.select(taskWithProjectKey).from(boardTasks).innerJoin(projects, eq(projects.id, boardTasks.projectId)).where(eq(boardTasks.id, id));
  const [row] = lock ? await query.for("no key update", { of: boardTasks }) : await query;
  return row ? { ...row.task, projectKey: row.projectKey } : null;
}

interface TaskCursor {
  status: BoardStatus;
  position: number;
  id: string;
}

const cursorKey = (row: BoardTask) => [row.status, row.position, row.id] as const;

/** Board order: column, position, id. */
const taskCursorShape = z
  .tuple([z.enum(boardTasks.status.enumValues), z.number().finite(), z.string().uuid()])
  .transform(([status, position, id]): TaskCursor => ({ status, position, id }));

/**
 * Board tasks filtered and ordered as the board shows them: by column (the status enum's order:
 * todo, in_progress, in_review, done, blocked), then position within the column.
 */
export async function listTasks(
  db: DbOrTx,
  { ctx, query }: { ctx: AuthContext; query: ListTasksQuery },
): Promise<{ tasks: BoardTaskJson[]; nextCursor: string | null }> {
  await authorize(ctx, "project:read");
  const assignee = query.assignee_id ?? query.assignee;
  const filters: (SQL | undefined)[] = [
    query.project_id ? eq(boardTasks.projectId, query.project_id) : undefined,
    query.status ? eq(boardTasks.status, query.status) : undefined,
    query.priority ? eq(boardTasks.priority, query.priority) : undefined,
    assignee === "none" ? isNull(boardTasks.assigneeId) : undefined,
    assignee === "me" ? eq(boardTasks.assigneeId, ctx.user.id) : undefined,
    assignee && assignee !== "me" && assignee !== "none" ? eq(boardTasks.assigneeId, assignee) : undefined,
  ];
  if (query.cursor) {
    const c = decodeCursor(query.cursor, taskCursorShape);
    filters.push(
      sql`(${boardTasks.status}, ${boardTasks.position}, ${boardTasks.id}) > (${c.status}::board_status, ${c.position}::double precision, ${c.id}::uuid)`,
    );
  }
  const rows = await db
    .select(taskWithProjectKey)
    .from(boardTasks)
    .innerJoin(projects, eq(projects.id, boardTasks.projectId))
    .where(and(...filters))
    .orderBy(asc(boardTasks.status), asc(boardTasks.position), asc(boardTasks.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit).map((r) => ({ ...r.task, projectKey: r.projectKey }));
  const latest = await latestExecutions(db, { ctx, boardTaskIds: page.map((t) => t.id) });
  return {
    tasks: page.map((t) => toTaskJson(t, latest.get(t.id) ?? null)),
    nextCursor: rows.length > query.limit ? encodeCursor(cursorKey(page[page.length - 1])) : null,
  };
}

export async function getTask(db: DbOrTx, { ctx, id }: { ctx: AuthContext; id: string }): Promise<BoardTaskDetailJson> {
  await authorize(ctx, "project:read");
  const row = await findTask(db, { id });
  if (!row) throw AppError.notFound("Task");
  const runs = await executionsForTask(db, { ctx, boardTaskId: id });
  return { ...toTaskJson(row, runs[0] ?? null), executions: runs };
}

/** The bottom of a column: one step below its last card. */
export async function endOfColumn(tx: DbOrTx, { projectId, status }: { projectId: string; status: BoardStatus }): Promise<number> {
  const [row] = await tx
    .select({ last: max(boardTasks.position) })
    .from(boardTasks)
    .where(and(eq(boardTasks.projectId, projectId), eq(boardTasks.status, status)));
  return row?.last === null || row?.last === undefined ? POSITION_STEP : Number(row.last) + POSITION_STEP;
}

async function assertAssignable(tx: DbOrTx, assigneeId: string | null | undefined): Promise<void> {
  if (!assigneeId) return;
  const [user] = await tx.select({ id: users.id, disabledAt: users.disabledAt }).from(users).where(eq(users.id, assigneeId)).limit(1);
  if (!user || user.disabledAt) {
    throw new AppError("validation_failed", "assignee_id names no active user", { field: "assignee_id" });
  }
}

export async function createTask(db: DbOrTx, { ctx, input }: { ctx: AuthContext; input: CreateTaskBody }): Promise<BoardTaskJson> {
  await authorize(ctx, "project:write");
  // Counter increment, insert and audit are one unit: a failure anywhere leaves no task and
  // no skipped number. The counter UPDATE row-locks the project, so concurrent creates in one
  // project queue up here and each gets its own number.
  const row = await db.transaction(async (tx) => {
    const issued = await nextTaskNumber(tx, { projectId: input.project_id });
    if (!issued) throw new AppError("validation_failed", "project_id names no project", { field: "project_id" });
    await assertAssignable(tx, input.assignee_id);
    const position = await endOfColumn(tx, { projectId: input.project_id, status: input.status });
    const [inserted] = await tx
      .insert(boardTasks)
      .values({
        projectId: input.project_id,
        number: issued.number,
        key: `${issued.key}-${issued.number}`,
        title: input.title,
        description: input.description ?? null,
        status: input.status,
        priority: input.priority,
        position,
        assigneeId: input.assignee_id ?? null,
        createdBy: ctx.user.id,
      })
      .returning();
    await auditBoardChange(tx, ctx, {
      eventType: "resource.created",
      action: "board_task.create",
      resourceType: "board_task",
      resourceId: inserted.id,
      details: { key: inserted.key, project_id: inserted.projectId, status: inserted.status },
    });
    return { ...inserted, projectKey: issued.key };
  });
  return toTaskJson(row);
}

export async function updateTask(
  db: DbOrTx,
  { ctx, id, input }: { ctx: AuthContext; id: string; input: UpdateTaskBody },
): Promise<BoardTaskJson> {
  await authorize(ctx, "project:write");
  // Read-modify-write under the task's row lock, audited in the same transaction.
  const row = await db.transaction(async (tx) => {
    const current = await findTask(tx, { id, lock: true });
    if (!current) throw AppError.notFound("Task");
    if (input.assignee_id !== undefined) await assertAssignable(tx, input.assignee_id);
    const status = input.status ?? current.status;
    let position = input.position;
    // A card changing column without an explicit position lands at the bottom of the new one.
    if (position === undefined && status !== current.status) position = await endOfColumn(tx, { projectId: current.projectId, status });
    const [updated] = await tx
      .update(boardTasks)
      .set({
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.priority !== undefined ? { priority: input.priority } : {}),
        ...(input.assignee_id !== undefined ? { assigneeId: input.assignee_id } : {}),
        ...(position !== undefined ? { position } : {}),
        status,
        updatedAt: new Date(),
      })
      .where(eq(boardTasks.id, id))
      .returning();
    await auditBoardChange(tx, ctx, {
      eventType: "resource.modified",
      action: "board_task.update",
      resourceType: "board_task",
      resourceId: id,
      details: {
        key: current.key,
        fields: Object.keys(input),
        ...(status !== current.status ? { from_status: current.status, to_status: status } : {}),
      },
    });
    return { ...updated, projectKey: current.projectKey };
  });
  return toTaskJson(row);
}

export async function deleteTask(db: DbOrTx, { ctx, id }: { ctx: AuthContext; id: string }): Promise<void> {
  await authorize(ctx, "project:write");
  // The delete and its audit event commit together. The project's counter is not rewound:
  // a deleted task's key is never reissued.
  await db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(boardTasks)
      .where(eq(boardTasks.id, id))
      .returning({ id: boardTasks.id, key: boardTasks.key, projectId: boardTasks.projectId });
    if (!deleted) throw AppError.notFound("Task");
    await auditBoardChange(tx, ctx, {
      eventType: "resource.deleted",
      action: "board_task.delete",
      resourceType: "board_task",
      resourceId: id,
      details: { key: deleted.key, project_id: deleted.projectId },
    });
  });
}
