import { and, desc, eq, getTableColumns, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { mapRow, preparedQuery } from "../db/prepared";
import { executionEvents, executions, type Execution, type ExecutionEvent, type NewExecution } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit, type AuditInput } from "../security/audit";
import { CHANNELS } from "./channels";
import { appendEvents, notify } from "./event-log";
import { ACTIVE_STATES, isTerminal } from "./lifecycle";
import { transitionTask } from "./transitions";

// The commands that change a task from outside its worker. The engine owns `executions` and the
// event log; callers (the runtime) check who may act and say who did, for the audit trail.

/** Who asked, as the audit trail records it. */
export type Actor = Pick<AuditInput, "actorUserId" | "sessionId" | "deviceId" | "ip">;

export type NewTask = Pick<NewExecution, "id" | "userId" | "sessionId" | "devicePk" | "projectId" | "boardTaskId" | "retryOf" | "agentType" | "prompt" | "context" | "skills" | "timeoutMs" | "targetNodeId" | "targetLabels">;

/**
 * Queue a task: the row, its first log entry (PENDING) with its NOTIFY, the (unsealed) audit row
 * and the queue wake-up, in one statement, so a task is either fully enqueued or not there at all.
 * The hot path of every submit: one prepared statement, one round trip, no Drizzle query building
 * (data-modifying CTEs all run, whether or not the outer query reads them; the NOTIFYs are
 * delivered on commit, events before queue). The rows are exactly those `appendEvents`,
 * `recordAudit` and `announceWork` write.
 */
export async function enqueueTask(db: Database, task: NewTask, audit: Actor & { eventType: "task.submitted" | "task.retried"; details: Record<string, unknown> }): Promise<Execution> {
  const firstEvent = { from: null, ...(task.retryOf ? { retry_of: task.retryOf } : {}) };
  const [row] = await preparedQuery(db, ENQUEUE_SQL, [
    task.id ?? null,
    task.userId,
    task.sessionId ?? null,
    task.devicePk ?? null,
    task.projectId ?? null,
    task.boardTaskId ?? null,
    task.retryOf ?? null,
    task.agentType,
    task.prompt,
    JSON.stringify(task.context ?? {}),
    JSON.stringify(task.skills ?? []),
    task.timeoutMs ?? null,
    task.targetNodeId ?? null,
    JSON.stringify(task.targetLabels ?? []),
    JSON.stringify(firstEvent),
    new Date().toISOString(),
    audit.eventType,
    audit.actorUserId ?? null,
    audit.sessionId ?? null,
    audit.deviceId ?? null,
    audit.ip ?? null,
    // What recordAudit stores: plain JSON (undefined dropped).
    JSON.stringify(audit.details ?? {}),
    CHANNELS.events,
    CHANNELS.queue,
  ]);
  return mapRow<Execution>(getTableColumns(executions), row!);
}

const ENQUEUE_SQL = `with task as (
  insert into executions (id, user_id, session_id, device_pk, project_id, board_task_id, retry_of, agent_type, prompt, context, skills, timeout_ms, target_node_id, target_labels, events_count)
  values (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::text, $9::text, $10::jsonb, $11::jsonb, $12::integer, $13::uuid, $14::jsonb, 1)
  returning *
), first_event as (
  insert into execution_events (execution_id, seq, attempt, type, state, data)
  select id, 1, 0, 'state', 'PENDING', $15::jsonb from task
), audit as (
  insert into audit_events (occurred_at, event_type, actor_user_id, session_id, device_id, ip, resource_type, resource_id, action, outcome, details)
  select $16::timestamptz, $17::text, $18::uuid, $19::uuid, $20::text, $21::text, 'task', id::text, $17::text, 'success', $22::jsonb from task
)
select task.*, pg_notify($23::text, task.id::text || ':1') as events_notice, pg_notify($24::text, task.id::text) as queue_notice from task`;

/** Whether a task with this id exists (a client-chosen id must not collide). */
export async function taskExists(db: Database, taskId: string): Promise<boolean> {
  const [row] = await db.select({ id: executions.id }).from(executions).where(eq(executions.id, taskId)).limit(1);
  return Boolean(row);
}

/**
 * Cancel a task. PENDING and WAITING tasks (no agent is working) are cancelled at once; a
 * PLANNING/RUNNING task gets cancel_requested_at and its worker is told by NOTIFY: it aborts the
 * agent and records CANCELLED. A task whose worker is gone is cancelled here directly.
 */
export async function requestCancel(db: Database, taskId: string, by: Actor): Promise<Execution> {
  for (let round = 0; round < 3; round++) {
    const [task] = await db.select().from(executions).where(eq(executions.id, taskId));
    if (!task) throw AppError.notFound("Task");
    if (isTerminal(task.state)) throw new AppError("invalid_state", `The task already ended (${task.state})`, { state: task.state });
    const direct = task.state === "PENDING" || task.state === "WAITING" || task.claimedBy === null;
    if (direct) {
      const done = await transitionTask(db, {
        taskId,
        to: "CANCELLED",
        from: [task.state],
        // An orphan must still be unclaimed; a worker that grabbed it meanwhile gets the request instead.
        when: task.claimedBy === null ? isNull(executions.claimedBy) : undefined,
        set: { cancelRequestedAt: new Date() },
        data: { reason: "cancelled by user", by: by.actorUserId },
        control: "cancel",
        audit: { eventType: "task.cancelled", ...by },
      });
      if (done) return done.task;
      continue; // the state moved under us (claimed, answered …): look again
    }
    const requested = await db.transaction(async (tx) => {
      const rows = await tx
        .update(executions)
        .set({ cancelRequestedAt: sql`coalesce(${executions.cancelRequestedAt}, now())`, updatedAt: sql`now()` })
        .where(and(eq(executions.id, taskId), inArray(executions.state, [...ACTIVE_STATES])))
        .returning();
      if (!rows[0]) return null;
      await appendEvents(tx, taskId, [{ type: "progress", data: { message: "Cancel requested; stopping the agent", cancel_requested: true, by: by.actorUserId } }], { states: ACTIVE_STATES });
      await recordAudit(tx, { eventType: "task.cancelled", action: "task.cancel_requested", ...by, resourceType: "task", resourceId: taskId, details: { state: rows[0].state } });
      await notify(tx, CHANNELS.control, `${taskId}:cancel`);
      return rows[0];
    });
    if (requested) return requested;
  }
  throw new AppError("conflict", "The task kept changing state; try again");
}

/** The question a WAITING task is waiting on: its latest `wait` event. */
export async function pendingQuestion(db: Database, taskId: string): Promise<ExecutionEvent | undefined> {
  const [wait] = await db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, taskId), eq(executionEvents.type, "wait")))
    .orderBy(desc(executionEvents.seq))
    .limit(1);
  return wait;
}

/**
 * Answer a WAITING task: the answer is logged, the task moves back to RUNNING and its worker
 * resumes (or, when nobody holds it, it becomes claimable again). Only the question the caller
 * saw is answered: if the log moved on meanwhile, nothing changes (409).
 */
export async function answerTask(
  db: Database,
  input: { task: Execution; wait: ExecutionEvent; answer: { approved?: boolean; text?: string }; by: Actor & { email: string } },
): Promise<Execution> {
  const { task, wait, answer, by } = input;
  const done = await transitionTask(db, {
    taskId: task.id,
    to: "RUNNING",
    from: ["WAITING"],
    when: sql`${executions.eventsCount} = ${task.eventsCount}`,
    set: { waitExpiresAt: null },
    events: [{ type: "input", data: { wait_seq: wait.seq, ...answer, answered_by: by.email, answered_by_user_id: by.actorUserId } }],
    data: { reason: "input provided" },
    control: "input",
    // Nobody holds an orphaned task: make it claimable so a worker resumes it.
    requeue: task.claimedBy === null,
    audit: { eventType: "task.input_provided", actorUserId: by.actorUserId, sessionId: by.sessionId, deviceId: by.deviceId, ip: by.ip, details: { wait_seq: wait.seq, kind: wait.data.kind } },
  });
  if (!done) throw new AppError("invalid_state", "The task changed while you answered (cancelled, timed out or already answered)");
  return done.task;
}
