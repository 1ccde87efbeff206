import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import type { Execution, ExecutionState, NewExecution } from "../db/schema";
import type { AuditInput } from "../security/audit";
import { CHANNELS, type ControlKind } from "./channels";
import type { EventInput } from "./event-log";
import { canTransition, isTerminal } from "./lifecycle";
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
 * Move one task to a new state in one short transaction: lock the row, check the lifecycle table
 * and the fence, then update it conditionally, log the events, audit and notify in one statement.
 * Returns null when the move is not (or no longer) allowed, so racing writers simply lose instead
 * of corrupting the row.
 */
export async function transitionTask(db: DbOrTx, input: TransitionInput): Promise<TransitionResult | null> {
  return db.transaction(async (tx) => {
    const [current] = await runPrepared<{ state: ExecutionState; attempt: number; events_count: number; user_id: string; session_id: string | null; agent_type: string; error_code: string | null }>(
      tx,
      sql`select state, attempt, events_count, user_id, session_id, agent_type, error_code from executions
          where id = ${input.taskId}${input.when ? sql` and ${input.when}` : sql``} for update`,
    );
    if (!current) return null;
    const attempt = Number(current.attempt);
    if (input.attempt !== undefined && attempt !== input.attempt) return null;
    if (input.from && !input.from.includes(current.state)) return null;
    if (!canTransition(current.state, input.to)) return null;

    const events: EventInput[] = [...(input.events ?? []), { type: "state", state: input.to, data: { from: current.state, ...input.data } }];
    const terminal = isTerminal(input.to);
    const last = Number(current.events_count) + events.length;
    const rows = events.map((e, i) => ({ seq: last - events.length + 1 + i, type: e.type, state: e.state ?? null, data: e.data ?? {} }));

    const set = assignments(input.set ?? {});
    set.set("state", sql`${input.to}::execution_state`);
    set.set("events_count", sql`events_count + ${events.length}::int`);
    set.set("updated_at", sql`now()`);
    if (terminal) for (const [column, value] of [["finished_at", sql`now()`], ["lease_expires_at", sql`null`], ["wait_expires_at", sql`null`]] as const) set.set(column, value);

    const eventType = input.audit?.eventType ?? (terminal ? TERMINAL_AUDIT[input.to as keyof typeof TERMINAL_AUDIT] : undefined);
    const errorCode = input.set?.errorCode !== undefined ? input.set.errorCode : current.error_code;
    const audits = eventType
      ? [
          {
            action: eventType,
            outcome: input.to === "FAILED" ? "failure" : "success",
            actor_user_id: current.user_id,
            session_id: current.session_id,
            device_id: null as string | null,
            ip: null as string | null,
            resource_type: "task" as string | null,
            resource_id: input.taskId as string | null,
            ...auditColumns(input.audit),
            event_type: eventType,
            details: { agent_type: current.agent_type, attempt, from: current.state, to: input.to, ...(errorCode ? { error_code: errorCode } : {}), ...input.audit?.details },
          },
        ]
      : [];
    const notices: [string, string][] = [[CHANNELS.events, `${input.taskId}:${last}`]];
    if (input.control) notices.push([CHANNELS.control, `${input.taskId}:${input.control}`]);
    if (input.requeue) notices.push([CHANNELS.queue, input.taskId]);

    const [row] = await runPrepared(
      tx,
      sql`with task as (
            update executions set ${sql.join([...set].map(([column, value]) => sql`${sql.identifier(column)} = ${value}`), sql`, `)}
            where id = ${input.taskId} and state = ${current.state}::execution_state and attempt = ${attempt}::int
            returning *
          ), logged as (
            insert into execution_events (execution_id, seq, attempt, type, state, data)
            select t.id, x.seq, t.attempt, x.type, x.state, x.data
            from task t, jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(seq int, type text, state execution_state, data jsonb)
          ), audited as (
            insert into audit_events (occurred_at, event_type, actor_user_id, session_id, device_id, ip, resource_type, resource_id, action, outcome, details)
            select coalesce(a.occurred_at, date_trunc('milliseconds', clock_timestamp())), a.event_type, a.actor_user_id, a.session_id, a.device_id, a.ip, a.resource_type, a.resource_id, a.action, a.outcome, a.details
            from task t, jsonb_to_recordset(${JSON.stringify(audits)}::jsonb)
              as a(occurred_at timestamptz, event_type text, actor_user_id uuid, session_id uuid, device_id text, ip text, resource_type text, resource_id text, action text, outcome text, details jsonb)
          )
          select t.*, n.notified from task t cross join lateral (
            select count(pg_notify(x.value ->> 0, x.value ->> 1)) as notified from jsonb_array_elements(${JSON.stringify(notices)}::jsonb) x where t.id is not null
          ) n`,
    );
    if (!row) return null;
    return { task: toExecution(row), from: current.state };
  });
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
