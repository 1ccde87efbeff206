import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { executionEvents, executions, type ExecutionEvent, type ExecutionState } from "../db/schema";
import { CHANNELS } from "./channels";

/** One entry to append; seq and attempt are assigned by the log. */
export interface EventInput {
  type: string;
  state?: ExecutionState | null;
  data?: Record<string, unknown>;
}

export interface AppendOptions {
  /** Fencing: append only while the task is on this attempt … */
  attempt?: number;
  /** … and in one of these states. */
  states?: readonly ExecutionState[];
}

/**
 * Append events to a task's log. The seq block is reserved by bumping executions.events_count
 * in one UPDATE, which also row-locks the task until commit: seqs are gap-free and commit in order.
 * Returns the new last seq, or null when the fence did not match (the caller lost its claim).
 * Run it inside a transaction so the reservation and the rows commit together.
 */
export async function appendEvents(tx: DbOrTx, taskId: string, events: EventInput[], options: AppendOptions = {}): Promise<number | null> {
  if (events.length === 0) return null;
  const conditions = [eq(executions.id, taskId)];
  if (options.attempt !== undefined) conditions.push(eq(executions.attempt, options.attempt));
  if (options.states) conditions.push(inArray(executions.state, [...options.states]));
  const [row] = await tx
    .update(executions)
    .set({ eventsCount: sql`${executions.eventsCount} + ${events.length}`, updatedAt: sql`now()` })
    .where(and(...conditions))
    .returning({ last: executions.eventsCount, attempt: executions.attempt });
  if (!row) return null;
  await insertEventRows(tx, taskId, row.attempt, row.last, events);
  return row.last;
}

/** Insert rows for a seq block ending at `last` (already reserved) and announce it. */
export async function insertEventRows(tx: DbOrTx, taskId: string, attempt: number, last: number, events: EventInput[]): Promise<void> {
  const first = last - events.length + 1;
  await tx.insert(executionEvents).values(
    events.map((e, i) => ({ executionId: taskId, seq: first + i, attempt, type: e.type, state: e.state ?? null, data: e.data ?? {} })),
  );
  await notify(tx, CHANNELS.events, `${taskId}:${last}`);
}

export async function notify(tx: DbOrTx, channel: string, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${payload})`);
}

export async function readEvents(db: DbOrTx, taskId: string, options: { after?: number; limit?: number; types?: string[] } = {}): Promise<ExecutionEvent[]> {
  const conditions = [eq(executionEvents.executionId, taskId), gt(executionEvents.seq, options.after ?? 0)];
  if (options.types) conditions.push(inArray(executionEvents.type, options.types));
  return db
    .select()
    .from(executionEvents)
    .where(and(...conditions))
    .orderBy(asc(executionEvents.seq))
    .limit(options.limit ?? 500);
}
