import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { executions, projects, type Execution } from "../db/schema";
import { insertEventRows } from "../engine/event-log";
import { isTerminal } from "../engine/lifecycle";
import { announceWork } from "../engine/queue";
import { AppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { assertPolicies } from "../security/policies";
import { bindSession } from "../security/session-binding";
import { loadSkillsForTask } from "../skills";
import { actorOf, loadVisibleTask } from "./access";
import { requireAgent } from "./agents";
import type { RetryTaskBody, SubmitTaskBody, TaskDto } from "./schemas";
import { toTaskDto } from "./serialize";

/** Default wall-clock limit for a task, waits included. */
export const DEFAULT_TASK_TIMEOUT_MS = 6 * 60 * 60 * 1000;

export interface SubmitOptions {
  /** Set by POST /api/tasks/execute: the board task this run belongs to. */
  boardTaskId?: string;
}

interface NewTask {
  id?: string;
  agentType: string;
  prompt: string;
  context: Record<string, unknown>;
  skills: string[];
  projectId: string | null;
  boardTaskId: string | null;
  retryOf: string | null;
  timeoutMs: number;
}

/** Checks shared by submit and retry: permissions, agent, policies, skills, project, session. */
async function admit(db: Database, ctx: AuthContext, input: { agentType: string; skills: string[]; projectId: string | null; sessionId: string | null | undefined }) {
  await authorize(ctx, "task:submit");
  await authorize(ctx, "agent:execute");
  if (input.skills.length > 0) await authorize(ctx, "skill:execute");
  const adapter = await requireAgent(db, input.agentType);
  await assertPolicies(db, ctx, { agentType: adapter.type, agentAliases: adapter.aliases, skills: input.skills });
  await loadSkillsForTask(db, input.skills);
  if (input.projectId) {
    const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, input.projectId)).limit(1);
    if (!project) throw new AppError("validation_failed", "project_id does not name an existing project", { project_id: input.projectId });
  }
  const binding = await bindSession(db, ctx, input.sessionId);
  return { agentType: adapter.type, binding };
}

/**
 * Insert the task, its first log entry, the audit row and the queue wake-up in one transaction:
 * a task is either fully enqueued or not there at all.
 */
async function enqueue(db: Database, ctx: AuthContext, task: NewTask, binding: { sessionId: string; devicePk: string } | null, audit: "task.submitted" | "task.retried"): Promise<Execution> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(executions)
      .values({
        ...(task.id ? { id: task.id } : {}),
        userId: ctx.user.id,
        sessionId: binding?.sessionId ?? null,
        devicePk: binding?.devicePk ?? null,
        projectId: task.projectId,
        boardTaskId: task.boardTaskId,
        retryOf: task.retryOf,
        agentType: task.agentType,
        prompt: task.prompt,
        context: task.context,
        skills: task.skills,
        timeoutMs: task.timeoutMs,
        eventsCount: 1,
      })
      .returning();
    await insertEventRows(tx, row.id, 0, 1, [{ type: "state", state: "PENDING", data: { from: null, ...(task.retryOf ? { retry_of: task.retryOf } : {}) } }]);
    await recordAudit(tx, {
      eventType: audit,
      action: audit,
      ...actorOf(ctx),
      // A task bound to a session (session_id from a token or browser caller) is on that session's trail.
      ...(binding ? { sessionId: binding.sessionId } : {}),
      resourceType: "task",
      resourceId: row.id,
      details: { agent_type: row.agentType, project_id: row.projectId, skills: row.skills, via: ctx.via, ...(task.retryOf ? { retry_of: task.retryOf } : {}) },
    });
    await announceWork(tx, row.id);
    return row;
  });
}

export async function submitTask(db: Database, ctx: AuthContext, body: SubmitTaskBody, options: SubmitOptions = {}): Promise<TaskDto> {
  const skills = [...new Set(body.skills)];
  const { agentType, binding } = await admit(db, ctx, { agentType: body.agent_type, skills, projectId: body.project_id ?? null, sessionId: body.session_id });
  const row = await enqueue(
    db,
    ctx,
    {
      id: body.task_id,
      agentType,
      prompt: body.prompt,
      context: body.context,
      skills,
      projectId: body.project_id ?? null,
      boardTaskId: options.boardTaskId ?? null,
      retryOf: null,
      timeoutMs: body.timeout_seconds ? body.timeout_seconds * 1000 : DEFAULT_TASK_TIMEOUT_MS,
    },
    binding,
    "task.submitted",
  );
  return toTaskDto(row);
}

/** A new task with the same input as a finished one, on purpose (never an automatic replay). */
export async function retryTask(db: Database, ctx: AuthContext, taskId: string, body: RetryTaskBody = {}): Promise<TaskDto> {
  await authorize(ctx, "task:submit");
  const original = await loadVisibleTask(db, ctx, taskId);
  if (!isTerminal(original.state)) throw new AppError("invalid_state", `Only a finished task can be retried; this one is ${original.state}`, { state: original.state });
  const { agentType, binding } = await admit(db, ctx, {
    agentType: original.agentType,
    skills: original.skills,
    projectId: original.projectId,
    sessionId: body.session_id,
  });
  const row = await enqueue(
    db,
    ctx,
    {
      agentType,
      prompt: original.prompt,
      context: original.context,
      skills: original.skills,
      projectId: original.projectId,
      boardTaskId: original.boardTaskId,
      retryOf: original.id,
      timeoutMs: original.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    },
    binding,
    "task.retried",
  );
  return toTaskDto(row);
}

