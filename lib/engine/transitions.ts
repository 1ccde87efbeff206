import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import type { Execution, ExecutionState, NewExecution } from "../db/schema";
import type { AuditInput } from "../security/audit";
import { CHANNELS, type ControlKind } from "./channels";
import { handOffCommittedEvents, wantsCommittedEvents } from "./committed-events";
import type { EventInput } from "./event-log";
import { allowedFrom, isTerminal } from "./lifecycle";
import { assignments, runPrepared, toExecution } from "./rows";

export interface TransitionInput {
  taskId: string;
  to: ExecutionState;
  /** Fencing for worker writes: only if the task is still on this attempt. */
  attempt?: number;
  /** Narrower than the lifecycle table, e.g. a WAITING-only cancel. */
  from?: readonly ExecutionState[];
  /** An extra condition on the row, checked under the row lock (e.g. the lease really expired). */
  when?: SQL;
  /** Extra columns to write with the state. */
  set?: Partial<Pick<NewExecution, "result" | "error" | "errorCode" | "waitExpiresAt" | "leaseExpiresAt" | "claimedBy" | "cancelRequestedAt" | "startedAt">>;
  /** Logged before the state event (a question, an answer, a result). */
  events?: EventInput[];
  /** Data on the state event itself (reason, node, …). */
  data?: Record<string, unknown>;
  /** Wake the worker that owns the task. */
  control?: ControlKind;
  /** Wake workers: the task is claimable again. */
  requeue?: boolean;
  /** Audit to write instead of the default for terminal states (actor = the task's owner). */
  audit?: Partial<AuditInput> & Pick<AuditInput, "eventType">;
}

export interface TransitionResult {
  task: Execution;
  from: ExecutionState;
}

const TERMINAL_AUDIT = { COMPLETED: "task.completed", FAILED: "task.failed", CANCELLED: "task.cancelled" } as const;

/**
 * Move one task to a new state in one statement (atomic on its own, one round trip): lock the row
 * if the lifecycle table, the fence and `when` allow the move, update it, log the events (their
 * seqs from the row's reserved count), audit and notify. Returns null when the move is not (or no
 * longer) allowed, so racing writers simply lose instead of corrupting the row.
 */
export async function transitionTask(db: DbOrTx, input: TransitionInput): Promise<TransitionResult | null> {
  const from = allowedFrom(input.to).filter((state) => !input.from || input.from.includes(state));
  if (from.length === 0) return null;
  // The state event comes last; its data gets `from` (the locked row's state) in SQL.
  const events: EventInput[] = [...(input.events ?? []), { type: "state", state: input.to, data: input.data ?? {} }];
  const terminal = isTerminal(input.to);
  const rows = events.map((e, i) => ({ ord: i + 1, type: e.type, state: e.state ?? null, data: e.data ?? {} }));

  const set = assignments(input.set ?? {});
  set.set("state", sql`${input.to}::execution_state`);
  set.set("events_count", sql`events_count + ${events.length}::int`);
  set.set("updated_at", sql`now()`);
  if (terminal) for (const [column, value] of [["finished_at", sql`now()`], ["lease_expires_at", sql`null`], ["wait_expires_at", sql`null`]] as const) set.set(column, value);

  const eventType = input.audit?.eventType ?? (terminal ? TERMINAL_AUDIT[input.to as keyof typeof TERMINAL_AUDIT] : undefined);
  // Actor and session default to the task's owner and session (the row's), unless the caller names them.
  const audits = eventType
    ? [
        {
          action: eventType,
          outcome: input.to === "FAILED" ? "failure" : "success",
          device_id: null,
          ip: null,
          resource_type: "task",
          resource_id: input.taskId,
          ...auditColumns(input.audit),
          event_type: eventType,
          details: input.audit?.details ?? {},
        },
      ]
    : [];
  const notices: [string, string][] = [];
  if (input.control) notices.push([CHANNELS.control, `${input.taskId}:${input.control}`]);
  if (input.requeue) notices.push([CHANNELS.queue, input.taskId]);
  const fence = input.attempt !== undefined ? sql` and attempt = ${input.attempt}::int` : sql``;
  // Written on its own (committed on return): the log rows come back for this node's hub (committed-events.ts).
  const handOff = wantsCommittedEvents(db);

  // `locked` takes the row lock first; should a writer commit in between, the update re-reads the
  // row it then holds (READ COMMITTED), so counts and states come from the version it changes.
  const [row] = await runPrepared(
    db,
    sql`with locked as (
          select id as locked_id, state as from_state from executions
          where id = ${input.taskId} and state in (${sql.join(from.map((state) => sql`${state}::execution_state`), sql`, `)})${fence}${input.when ? sql` and ${input.when}` : sql``}
          for update
        ), task as (
          update executions set ${sql.join([...set].map(([column, value]) => sql`${sql.identifier(column)} = ${value}`), sql`, `)}
          from locked where executions.id = locked.locked_id and executions.state = locked.from_state
          returning executions.*, locked.from_state
        ), logged as (
          insert into execution_events (execution_id, seq, attempt, type, state, data)
          select t.id, t.events_count - ${events.length}::int + x.ord, t.attempt, x.type, x.state,
            case when x.ord = ${events.length}::int then jsonb_build_object('from', t.from_state) || x.data else x.data end
          from task t, jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(ord int, type text, state execution_state, data jsonb)
          ${handOff ? sql`returning *` : sql``}
        ), audited as (
          insert into audit_events (occurred_at, event_type, actor_user_id, session_id, device_id, ip, resource_type, resource_id, action, outcome, details)
          select coalesce((a ->> 'occurred_at')::timestamptz, date_trunc('milliseconds', clock_timestamp())), a ->> 'event_type',
            case when a ? 'actor_user_id' then (a ->> 'actor_user_id')::uuid else t.user_id end,
            case when a ? 'session_id' then (a ->> 'session_id')::uuid else t.session_id end,
            a ->> 'device_id', a ->> 'ip', a ->> 'resource_type', a ->> 'resource_id', a ->> 'action', a ->> 'outcome',
            jsonb_build_object('agent_type', t.agent_type, 'attempt', t.attempt, 'from', t.from_state, 'to', ${input.to}::text)
              || case when coalesce(t.error_code, '') <> '' then jsonb_build_object('error_code', t.error_code) else '{}'::jsonb end
              || (a -> 'details')
          from task t, jsonb_array_elements(${JSON.stringify(audits)}::jsonb) a
        )
        select t.*, n.notified${handOff ? sql`, (select json_agg(l) from logged l) as logged_events` : sql``} from task t cross join lateral (
          select count(pg_notify(x.value ->> 0, x.value ->> 1)) as notified
          from jsonb_array_elements(jsonb_build_array(jsonb_build_array(${CHANNELS.events}::text, ${input.taskId}::text || ':' || t.events_count)) || ${JSON.stringify(notices)}::jsonb) x
        ) n`,
  );
  if (!row) return null;
  if (handOff) handOffCommittedEvents(db, input.taskId, row.logged_events);
  return { task: toExecution(row), from: row.from_state as ExecutionState };
}

/**
 * The audit columns a caller sets (AuditInput, camelCase) as the insert's snake_case fields. As
 * with an object spread, a key that is present overrides the default even when undefined (→ null).
 */
function auditColumns(audit: TransitionInput["audit"]): Record<string, unknown> {
  if (!audit) return {};
  const names = { action: "action", outcome: "outcome", actorUserId: "actor_user_id", sessionId: "session_id", deviceId: "device_id", ip: "ip", resourceType: "resource_type", resourceId: "resource_id" } as const;
  const fields: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(names)) if (key in audit) fields[column] = audit[key as keyof typeof names] ?? null;
  if (audit.occurredAt) fields.occurred_at = audit.occurredAt.toISOString();
  return fields;
}
