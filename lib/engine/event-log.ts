import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { prebuilt } from "../db/prebuilt";
import { executionEvents, type ExecutionEvent, type ExecutionState } from "../db/schema";
import { CHANNELS } from "./channels";
import { handOffCommittedEvents, wantsCommittedEvents } from "./committed-events";
import { runPrepared } from "./rows";

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
 * Append events to a task's log, in one statement (one round trip, atomic on its own or inside
 * the caller's transaction). The seq block is reserved by bumping executions.events_count in the
 * same statement, which also row-locks the task until commit: seqs are gap-free and commit in
 * order. The rows and the NOTIFY (task:last seq) are written only when the fence matched.
 * Returns the new last seq, or null when it did not (the caller lost its claim).
 */
export async function appendEvents(tx: DbOrTx, taskId: string, events: EventInput[], options: AppendOptions = {}): Promise<number | null> {
  if (events.length === 0) return null;
  const fence = [
    ...(options.attempt !== undefined ? [sql`attempt = ${options.attempt}::int`] : []),
    ...(options.states ? [sql`state::text in (select jsonb_array_elements_text(${JSON.stringify(options.states)}::jsonb))`] : []),
  ];
  const rows = events.map((e) => ({ type: e.type, state: e.state ?? null, data: e.data ?? {} }));
  // Written on its own (committed on return): the rows come back for this node's hub (committed-events.ts).
  const handOff = wantsCommittedEvents(tx);
  const [row] = await runPrepared<{ last: number | string; logged?: unknown }>(
    tx,
    sql`with reserved as (
          update executions set events_count = events_count + ${events.length}::int, updated_at = now()
          where id = ${taskId}::uuid${sql.join(
            fence.map((condition) => sql` and ${condition}`),
            sql``,
          )}
          returning events_count as last, attempt
        ), logged as (
          insert into execution_events (execution_id, seq, attempt, type, state, data)
          select ${taskId}::uuid, r.last - ${events.length}::int + x.ord::int, r.attempt, x.value->>'type', (x.value->>'state')::execution_state, x.value->'data'
          from reserved r cross join lateral jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as x(value, ord)
          ${handOff ? sql`returning *` : sql``}
        )
        select r.last, pg_notify(${CHANNELS.events}::text, ${taskId}::text || ':' || r.last::text) as notice${handOff ? sql`, (select json_agg(l) from logged l) as logged` : sql``} from reserved r`,
  );
  if (!row) return null;
  if (handOff) handOffCommittedEvents(tx, taskId, row.logged);
  return Number(row.last);
}

export async function notify(tx: DbOrTx, channel: string, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${payload})`);
}

const readLogPage = prebuilt<{ taskId: string; after: number; limit: number }, ExecutionEvent[]>((db) =>
  db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, sql.placeholder("taskId")), gt(executionEvents.seq, sql.placeholder("after"))))
    .orderBy(asc(executionEvents.seq))
    .limit(sql.placeholder("limit"))
    .prepare("read_log_page"),
);

/** A page of a task's log after `after`, oldest first (the hot read: streams, the event hub). */
export async function readEvents(db: DbOrTx, taskId: string, options: { after?: number; limit?: number; types?: string[] } = {}): Promise<ExecutionEvent[]> {
  const after = options.after ?? 0;
  const limit = options.limit ?? 500;
  if (!options.types) return readLogPage(db, { taskId, after, limit });
  return db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, taskId), gt(executionEvents.seq, after), inArray(executionEvents.type, options.types)))
    .orderBy(asc(executionEvents.seq))
    .limit(limit);
}
