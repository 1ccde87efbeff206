import { and, desc, eq, ilike, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { executions, taskWorkspaces } from "../db/schema";
import { readEvents } from "../engine/event-log";
import { AppError } from "../errors";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { bindSessionFilter } from "../security/session-binding";
import { decodeCursor, encodeCursor } from "../cursor";
import { canActForOthers } from "../security/authorize";
import { loadVisibleTask } from "./access";
import { pendingQuestion } from "../engine/commands";
import type { EventsQuery, ListTasksQuery, TaskDto, TaskStateDto } from "./schemas";
import { toEventDto, toStateDto, toTaskDto } from "./serialize";

export async function queryTaskState(db: Database, ctx: AuthContext, taskId: string): Promise<TaskStateDto> {
  await authorize(ctx, "task:view");
  return toStateDto(await loadVisibleTask(db, ctx, taskId));
}

export async function getTask(db: Database, ctx: AuthContext, taskId: string): Promise<TaskDto> {
  await authorize(ctx, "task:view");
  const task = await loadVisibleTask(db, ctx, taskId);
  const [link] = await db.select({ pullRequest: taskWorkspaces.pullRequest }).from(taskWorkspaces).where(eq(taskWorkspaces.executionId, taskId));
  const pull_request = link?.pullRequest ?? null;
  if (task.state !== "WAITING") return toTaskDto(task, { pending_question: null, pull_request });
  const wait = await pendingQuestion(db, taskId);
  const question = wait ? { seq: wait.seq, ...(wait.data as { kind: "approval" | "question"; prompt: string }) } : null;
  return toTaskDto(task, { pending_question: question, pull_request });
}

export async function listEvents(db: Database, ctx: AuthContext, taskId: string, query: EventsQuery) {
  await authorize(ctx, "task:view");
  const task = await loadVisibleTask(db, ctx, taskId);
  const events = await readEvents(db, taskId, { after: query.after, limit: query.limit });
  return {
    task_id: task.id,
    state: task.state,
    events: events.map(toEventDto),
    next_after: events.at(-1)?.seq ?? query.after,
    events_count: task.eventsCount,
  };
}

/** Keyset over (created_at, id), newest first; created_at kept at full (microsecond) precision. */
const taskCursorShape = z
  .tuple([z.string().refine((v) => !Number.isNaN(Date.parse(v))), z.string().uuid()])
  .transform(([createdAt, id]) => ({ createdAt, id }));

export async function listTasks(db: Database, ctx: AuthContext, query: ListTasksQuery): Promise<{ tasks: TaskDto[]; next_cursor: string | null }> {
  await authorize(ctx, "task:view");
  if (query.all && !canActForOthers(ctx)) throw new AppError("forbidden", "Listing everyone's tasks needs the admin:users permission");
  if (query.user_id && query.user_id !== ctx.user.id && !canActForOthers(ctx)) throw new AppError("forbidden", "Listing another person's tasks needs the admin:users permission");
  const conditions: SQL[] = [];
  if (query.user_id) conditions.push(eq(executions.userId, query.user_id));
  else if (!query.all) conditions.push(eq(executions.userId, ctx.user.id));
  // LIKE's wildcards in the search text are literal characters.
  if (query.q) conditions.push(ilike(executions.prompt, `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (query.state) conditions.push(inArray(executions.state, query.state));
  if (query.agent_type) conditions.push(eq(executions.agentType, query.agent_type));
  if (query.project_id) conditions.push(eq(executions.projectId, query.project_id));
  // ?session_id= is bound like one in a body: your own session (a session token: itself).
  const sessionId = await bindSessionFilter(db, ctx, query.session_id);
  if (sessionId) conditions.push(eq(executions.sessionId, sessionId));
  if (query.cursor) {
    const { createdAt, id } = decodeCursor(query.cursor, taskCursorShape);
    const ts = sql`${createdAt}::timestamptz`;
    conditions.push(or(lt(executions.createdAt, ts), and(eq(executions.createdAt, ts), lt(executions.id, id)))!);
  }
  const rows = await db
    .select({ task: executions, cursorTs: sql<string>`${executions.createdAt}::text` })
    .from(executions)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    tasks: page.map((r) => toTaskDto(r.task)),
    next_cursor: rows.length > query.limit && last ? encodeCursor([last.cursorTs, last.task.id]) : null,
  };
}
