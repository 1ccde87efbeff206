import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { executions, type Execution, type ExecutionState, type NewExecution } from "../db/schema";
import { recordAudit, type AuditInput } from "../security/audit";
import { CHANNELS, type ControlKind } from "./channels";
import { insertEventRows, notify, type EventInput } from "./event-log";
import { canTransition, isTerminal } from "./lifecycle";

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
 * and the fence, update it conditionally, log the events, audit, and notify. Returns null when the
 * move is not (or no longer) allowed, so racing writers simply lose instead of corrupting the row.
 */
export async function transitionTask(db: DbOrTx, input: TransitionInput): Promise<TransitionResult | null> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ state: executions.state, attempt: executions.attempt })
      .from(executions)
      .where(input.when ? and(eq(executions.id, input.taskId), input.when) : eq(executions.id, input.taskId))
      .for("update");
    if (!current) return null;
    if (input.attempt !== undefined && current.attempt !== input.attempt) return null;
    if (input.from && !input.from.includes(current.state)) return null;
    if (!canTransition(current.state, input.to)) return null;

    const events: EventInput[] = [...(input.events ?? []), { type: "state", state: input.to, data: { from: current.state, ...input.data } }];
    const terminal = isTerminal(input.to);
    const [task] = await tx
      .update(executions)
      .set({
        ...input.set,
        state: input.to,
        eventsCount: sql`${executions.eventsCount} + ${events.length}`,
        updatedAt: sql`now()`,
        ...(terminal ? { finishedAt: sql`now()`, leaseExpiresAt: null, waitExpiresAt: null } : {}),
      })
      .where(and(eq(executions.id, input.taskId), eq(executions.state, current.state), eq(executions.attempt, current.attempt)))
      .returning();
    if (!task) return null;
    await insertEventRows(tx, task.id, task.attempt, task.eventsCount, events);

    const eventType = input.audit?.eventType ?? (terminal ? TERMINAL_AUDIT[input.to as keyof typeof TERMINAL_AUDIT] : undefined);
    if (eventType) {
      await recordAudit(tx, {
        action: eventType,
        outcome: input.to === "FAILED" ? "failure" : "success",
        actorUserId: task.userId,
        sessionId: task.sessionId,
        resourceType: "task",
        resourceId: task.id,
        ...input.audit,
        eventType,
        details: { agent_type: task.agentType, attempt: task.attempt, from: current.state, to: input.to, ...(task.errorCode ? { error_code: task.errorCode } : {}), ...input.audit?.details },
      });
    }
    if (input.control) await notify(tx, CHANNELS.control, `${task.id}:${input.control}`);
    if (input.requeue) await notify(tx, CHANNELS.queue, task.id);
    return { task, from: current.state };
  });
}
