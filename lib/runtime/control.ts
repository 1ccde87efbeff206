import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { executionEvents, executions, type Execution } from "../db/schema";
import { CHANNELS } from "../engine/channels";
import { appendEvents, notify } from "../engine/event-log";
import { ACTIVE_STATES, isTerminal } from "../engine/lifecycle";
import { transitionTask } from "../engine/transitions";
import { AppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { actorOf, loadVisibleTask } from "./access";
import type { ProvideInputBody } from "./schemas";

/**
 * Cancel a task. PENDING and WAITING tasks (no agent is working) are cancelled at once; a
 * PLANNING/RUNNING task gets cancel_requested_at and its worker is told by NOTIFY: it aborts the
 * agent and records CANCELLED. A task whose worker is gone is cancelled here directly.
 */
export async function requestCancel(db: Database, ctx: AuthContext, taskId: string): Promise<Execution> {
  await authorize(ctx, "task:cancel");
  for (let round = 0; round < 3; round++) {
    const task = await loadVisibleTask(db, ctx, taskId);
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
        data: { reason: "cancelled by user", by: ctx.user.id },
        control: "cancel",
        audit: { eventType: "task.cancelled", ...actorOf(ctx) },
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
      await appendEvents(tx, taskId, [{ type: "progress", data: { message: "Cancel requested; stopping the agent", cancel_requested: true, by: ctx.user.id } }], { states: ACTIVE_STATES });
      await recordAudit(tx, { eventType: "task.cancelled", action: "task.cancel_requested", ...actorOf(ctx), resourceType: "task", resourceId: taskId, details: { state: rows[0].state } });
      await notify(tx, CHANNELS.control, `${taskId}:cancel`);
      return rows[0];
    });
    if (requested) return requested;
  }
  throw new AppError("conflict", "The task kept changing state; try again");
}

/** The question a WAITING task is waiting on: its latest `wait` event. */
export async function pendingQuestion(db: Database, taskId: string) {
  const [wait] = await db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, taskId), eq(executionEvents.type, "wait")))
    .orderBy(desc(executionEvents.seq))
    .limit(1);
  return wait;
}

/** Answer a WAITING task: the answer is logged, the task moves back to RUNNING and its worker resumes. */
export async function provideInput(db: Database, ctx: AuthContext, taskId: string, body: ProvideInputBody): Promise<Execution> {
  await authorize(ctx, "task:submit");
  const task = await loadVisibleTask(db, ctx, taskId);
  if (task.state !== "WAITING") throw new AppError("invalid_state", `The task is not waiting for input (it is ${task.state})`, { state: task.state });
  const wait = await pendingQuestion(db, taskId);
  if (!wait) throw new AppError("invalid_state", "The task is not waiting for input");
  const answer = interpretAnswer(wait.data.kind === "approval" ? "approval" : "question", body);
  const done = await transitionTask(db, {
    taskId,
    to: "RUNNING",
    from: ["WAITING"],
    when: sql`${executions.eventsCount} = ${task.eventsCount}`,
    set: { waitExpiresAt: null },
    events: [{ type: "input", data: { wait_seq: wait.seq, ...answer, answered_by: ctx.user.email, answered_by_user_id: ctx.user.id } }],
    data: { reason: "input provided" },
    control: "input",
    // Nobody holds an orphaned task: make it claimable so a worker resumes it.
    requeue: task.claimedBy === null,
    audit: { eventType: "task.input_provided", ...actorOf(ctx), details: { wait_seq: wait.seq, kind: wait.data.kind } },
  });
  if (!done) throw new AppError("invalid_state", "The task changed while you answered (cancelled, timed out or already answered)");
  return done.task;
}

function interpretAnswer(kind: "approval" | "question", body: ProvideInputBody): { approved?: boolean; text?: string } {
  const text = body.answer ?? body.text;
  if (kind === "question") {
    if (text === undefined) throw new AppError("validation_failed", "This task asks a question: send {answer: \"…\"}");
    return { text, ...(body.approved !== undefined ? { approved: body.approved } : {}) };
  }
  let approved = body.approved;
  if (approved === undefined && text !== undefined) {
    const word = text.trim().toLowerCase();
    if (["approve", "approved", "yes", "y", "allow"].includes(word)) approved = true;
    else if (["deny", "denied", "no", "n", "reject"].includes(word)) approved = false;
  }
  if (approved === undefined) throw new AppError("validation_failed", "This task asks for approval: send {approved: true|false, text?}");
  return { approved, ...(body.text !== undefined ? { text: body.text } : {}) };
}

