import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedQuery } from "../db/prepared";
import { projects } from "../db/schema";
import { enqueueTask, taskExists } from "../engine/commands";
import { isTerminal } from "../engine/lifecycle";
import { AppError } from "../errors";
import { actorOf } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { assertPolicies, type Rule } from "../security/policies";
import { bindSession } from "../security/session-binding";
import { loadSkillsForTask } from "../skills";
import { candidatesFromJson, PLACEMENT_CANDIDATES_JSON, placeTask } from "../remote/placement";
import { loadVisibleTask } from "./access";
import { assertAgentEnabled, findAdapter } from "./agents";
import type { RetryTaskBody, SubmitTaskBody, TaskDto } from "./schemas";
import { toTaskDto } from "./serialize";

/** Default wall-clock limit for a task, waits included. */
export const DEFAULT_TASK_TIMEOUT_MS = 6 * 60 * 60 * 1000;

export interface SubmitOptions {
  /** Set by POST /api/tasks/execute: the board task this run belongs to. */
  boardTaskId?: string;
}

/**
 * What admitting a task reads, in one prepared statement (one round trip on the hot path, instead
 * of three Drizzle queries of two each): the agent's enabled flag (null without a row), every
 * policy rule, and the approved, non-draining remote nodes placement chooses among.
 */
async function admissionFacts(db: Database, agentType: string) {
  const [row] = await preparedQuery(db, ADMISSION_SQL, [agentType]);
  const rules = (typeof row!.rules === "string" ? JSON.parse(row!.rules) : row!.rules) as Rule[];
  return { enabled: row!.enabled === null ? null : row!.enabled === true || row!.enabled === "t", rules, nodes: candidatesFromJson(row!.nodes) };
}

const ADMISSION_SQL = `select
  (select c.enabled from agent_configs c where c.agent_type = $1::text) as enabled,
  coalesce((select json_agg(json_build_object('kind', p.kind, 'target', p.target, 'subjectType', p.subject_type, 'subjectRole', p.subject_role, 'subjectUserId', p.subject_user_id, 'effect', p.effect)) from access_policies p), '[]'::json) as rules,
  ${PLACEMENT_CANDIDATES_JSON} as nodes`;

/** Checks shared by submit and retry: permissions, agent, policies, skills, project, session. */
async function admit(db: Database, ctx: AuthContext, input: { agentType: string; skills: string[]; projectId: string | null; sessionId: string | null | undefined }) {
  await authorize(ctx, "task:submit");
  await authorize(ctx, "agent:execute");
  if (input.skills.length > 0) await authorize(ctx, "skill:execute");
  const adapter = findAdapter(input.agentType);
  const facts = await admissionFacts(db, adapter.type);
  assertAgentEnabled(adapter, facts.enabled);
  await assertPolicies(db, ctx, { agentType: adapter.type, agentAliases: adapter.aliases, skills: input.skills }, facts.rules);
  await loadSkillsForTask(db, input.skills);
  if (input.projectId) {
    const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, input.projectId)).limit(1);
    if (!project) throw new AppError("validation_failed", "project_id does not name an existing project", { project_id: input.projectId });
  }
  const binding = await bindSession(db, ctx, input.sessionId);
  return { agentType: adapter.type, adapter, binding, nodes: facts.nodes };
}

/** A task id chosen by the client must be new; whose task holds it is never revealed (409 either way). */
async function assertNewTaskId(db: Database, taskId: string | undefined): Promise<void> {
  if (taskId && (await taskExists(db, taskId))) throw new AppError("conflict", "This task_id is already in use; choose another or leave it out", { field: "task_id" });
}

function auditOf(ctx: AuthContext, eventType: "task.submitted" | "task.retried", row: { sessionId: string | null; agentType: string; projectId: string | null; skills: string[]; retryOf: string | null }) {
  return {
    eventType,
    ...actorOf(ctx),
    // A task bound to a session (session_id from a token or browser caller) is on that session's trail.
    ...(row.sessionId ? { sessionId: row.sessionId } : {}),
    details: { agent_type: row.agentType, project_id: row.projectId, skills: row.skills, via: ctx.via, ...(row.retryOf ? { retry_of: row.retryOf } : {}) },
  };
}

export async function submitTask(db: Database, ctx: AuthContext, body: SubmitTaskBody, options: SubmitOptions = {}): Promise<TaskDto> {
  const skills = [...new Set(body.skills)];
  const { agentType, adapter, binding, nodes } = await admit(db, ctx, { agentType: body.agent_type, skills, projectId: body.project_id ?? null, sessionId: body.session_id });
  await assertNewTaskId(db, body.task_id);
  // Where it runs is decided here, after every check: a remote node only ever receives what was placed on it.
  const placement = await placeTask(db, { adapter, node: body.node, labels: body.labels, approved: nodes });
  const task = {
    ...(body.task_id ? { id: body.task_id } : {}),
    userId: ctx.user.id,
    sessionId: binding?.sessionId ?? null,
    devicePk: binding?.devicePk ?? null,
    agentType,
    prompt: body.prompt,
    context: body.context,
    skills,
    projectId: body.project_id ?? null,
    boardTaskId: options.boardTaskId ?? null,
    retryOf: null,
    timeoutMs: body.timeout_seconds ? body.timeout_seconds * 1000 : DEFAULT_TASK_TIMEOUT_MS,
    ...placement,
  };
  return toTaskDto(await enqueueTask(db, task, auditOf(ctx, "task.submitted", task)));
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
  const task = {
    userId: ctx.user.id,
    sessionId: binding?.sessionId ?? null,
    devicePk: binding?.devicePk ?? null,
    agentType,
    prompt: original.prompt,
    context: original.context,
    skills: original.skills,
    projectId: original.projectId,
    boardTaskId: original.boardTaskId,
    retryOf: original.id,
    timeoutMs: original.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    targetNodeId: original.targetNodeId,
    targetLabels: original.targetLabels,
  };
  return toTaskDto(await enqueueTask(db, task, auditOf(ctx, "task.retried", task)));
}

