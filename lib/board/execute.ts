import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { boardTasks, type Project } from "../db/schema";
import { AppError } from "../errors";
import { log } from "../log";
import { submitTaskBody, type Runtime, type TaskDto, type TaskStateDto } from "../runtime";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { auditBoardChange } from "./audit";
import { findProject } from "./projects";
import type { ExecuteTaskBody, ExecuteTaskResponse } from "./schemas";
import { endOfColumn, findTask, type BoardTaskRow } from "./tasks";

/** The longest a `wait=true` request holds its connection (and the default). */
export const MAX_WAIT_SECONDS = 600;

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

const PHASE1_STATUS = {
  PENDING: "pending",
  PLANNING: "running",
  RUNNING: "running",
  WAITING: "waiting",
  COMPLETED: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
} as const;

/** The card's own words as the prompt when the caller gives none. */
function defaultPrompt(task: BoardTaskRow): string {
  return [`${task.key}: ${task.title}`, task.description ?? ""].filter(Boolean).join("\n\n");
}

/** What the agent is told about the card and its project (Phase 1 put the same under `project`/`task`). */
function boardContext(task: BoardTaskRow, project: Project): Record<string, unknown> {
  return {
    project: { id: project.id, key: project.key, name: project.name, github_url: project.githubUrl, github_owner: project.githubOwner, github_repo: project.githubRepo },
    task: { id: task.id, key: task.key, title: task.title, description: task.description, status: task.status, priority: task.priority },
  };
}

function toResponse(task: BoardTaskRow, run: TaskDto, state: TaskStateDto, timedOut: boolean): ExecuteTaskResponse {
  return {
    execution_id: run.task_id,
    task_id: task.id,
    task_key: task.key,
    agent_type: run.agent_type,
    status: PHASE1_STATUS[state.state],
    state: state.state,
    success: state.success,
    result: state.result ?? null,
    error: state.error,
    timed_out: timedOut,
    created_at: state.created_at,
    completed_at: state.finished_at,
    state_url: `/api/runtime/tasks/${run.task_id}/state`,
    stream_url: `/api/runtime/tasks/${run.task_id}/stream`,
  };
}

/** Put the card in the in_progress column (bottom) unless it is there already; audited. */
async function markInProgress(db: Database, ctx: AuthContext, task: BoardTaskRow, executionId: string): Promise<void> {
  if (task.status === "in_progress") return;
  // The move and its audit event commit together; a card deleted meanwhile is left alone.
  await db.transaction(async (tx) => {
    const current = await findTask(tx, { id: task.id, lock: true });
    if (!current || current.status === "in_progress") return;
    const position = await endOfColumn(tx, { projectId: current.projectId, status: "in_progress" });
    await tx.update(boardTasks).set({ status: "in_progress", position, updatedAt: new Date() }).where(eq(boardTasks.id, task.id));
    await auditBoardChange(tx, ctx, {
      eventType: "resource.modified",
      action: "board_task.execute",
      resourceType: "board_task",
      resourceId: task.id,
      details: { key: current.key, from_status: current.status, to_status: "in_progress", execution_id: executionId },
    });
  });
}

/** Follow the run's log until its terminal state, the deadline, or the caller going away. */
async function waitForEnd(runtime: Runtime, ctx: AuthContext, executionId: string, seconds: number, signal?: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), seconds * 1000);
  const onCallerGone = () => stop.abort();
  signal?.addEventListener("abort", onCallerGone, { once: true });
  try {
    const events = await runtime.streamTaskUpdates(ctx, executionId, { after: 0, signal: stop.signal });
    for await (const event of events) {
      if (event.type === "state" && event.state && TERMINAL.has(event.state)) return;
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onCallerGone);
  }
}

export interface ExecuteOutcome {
  status: 200 | 202;
  body: ExecuteTaskResponse;
}

/**
 * Phase 1 `POST /api/tasks/execute`: run an agent on a board card through the runtime contract
 * (so the run is permission-checked, policy-checked, audited and queued like any other), link it
 * to the card, and move the card to in_progress. With `wait` it answers when the run ends.
 */
export async function executeBoardTask(
  db: Database,
  { ctx, runtime, input, wait, waitSeconds, signal }: { ctx: AuthContext; runtime: Runtime; input: ExecuteTaskBody; wait: boolean; waitSeconds: number; signal?: AbortSignal },
): Promise<ExecuteOutcome> {
  // Running a card also moves it on the board, which is a board write; waiting reads the run's
  // log, so a caller who could not follow it is refused before anything is queued.
  await authorize(ctx, "project:write");
  if (wait) await authorize(ctx, "task:view");
  const task = await findTask(db, { id: input.task_id });
  if (!task) throw AppError.notFound("Task");
  const project = await findProject(db, { id: task.projectId });
  if (!project) throw AppError.notFound("Task");

  const submission = submitTaskBody.safeParse({
    agent_type: input.agent_type,
    prompt: input.prompt ?? defaultPrompt(task),
    context: { ...input.context, ...boardContext(task, project) },
    project_id: project.id,
    skills: input.skills ?? [],
  });
  if (!submission.success) {
    throw new AppError("validation_failed", "Request body is invalid", {
      issues: submission.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    });
  }
  const run = await runtime.submitTask(ctx, submission.data, { boardTaskId: task.id });
  // The run is queued and linked whatever happens next; a failure to move the card must not
  // turn that into an error response (the client would submit it again).
  await markInProgress(db, ctx, task, run.task_id).catch((error: unknown) =>
    log.warn({ err: error, boardTaskId: task.id, executionId: run.task_id, requestId: ctx.requestId }, "could not move the card to in_progress"),
  );

  if (wait) await waitForEnd(runtime, ctx, run.task_id, Math.min(waitSeconds, MAX_WAIT_SECONDS), signal);
  const state = wait ? await runtime.queryTaskState(ctx, run.task_id) : run;
  const finished = TERMINAL.has(state.state);
  return { status: wait && finished ? 200 : 202, body: toResponse(task, run, state, wait && !finished) };
}
