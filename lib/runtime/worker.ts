import { mkdir } from "node:fs/promises";
import path from "node:path";
import { resolveAgentSettings } from "../agents/config";
import { findAgent } from "../agents/registry";
import type { Database, DatabaseHandle } from "../db/client";
import type { Execution } from "../db/schema";
import { createEngine, type Engine, type EngineTimings } from "../engine/engine";
import type { EngineDeps } from "../engine/task-run";
import { env } from "../env";
import { loadSkillsForTask } from "../skills";
import { finishWorkspace, prepareWorkspace } from "../workspaces/prepare";
import { startRetentionSweeper } from "../workspaces/retention";
import { ensureAgents } from "./agents";

/**
 * Where an agent works. Agents that work on files get a git worktree of the project's repository
 * on its own branch, else a scratch repository, and a runtime session (or a follow-up of an
 * earlier task) continues in the workspace it used before (lib/workspaces). API-only agents get
 * a plain folder per task.
 */
export async function workspaceFor(db: Database, task: Execution): Promise<string> {
  if (usesRepository(task)) return prepareWorkspace(db, task);
  const folder = path.resolve(env().DATA_DIR, "workspaces", task.id);
  await mkdir(folder, { recursive: true });
  return folder;
}

/** Whether the task's agent works in a repository workspace (the agent's usesWorkspace, decided per task). */
function usesRepository(task: Execution): boolean {
  ensureAgents();
  const uses = findAgent(task.agentType)?.usesWorkspace;
  return Boolean(typeof uses === "function" ? uses(task) : uses);
}

/**
 * A task needs planning when there is something to prepare before its agent starts: skills to
 * load, or a repository workspace (the agent's usesWorkspace, decided per task). An unknown agent
 * is planned too (the worker then fails it agent_unavailable from PLANNING). Everything else (an
 * API agent's plain folder, the agent's settings) is quick and is loaded after the move to RUNNING.
 */
export function needsPlanning(task: Execution): boolean {
  if (task.skills.length > 0) return true;
  ensureAgents();
  return !findAgent(task.agentType) || usesRepository(task);
}

export function defaultEngineDeps(db: Database): EngineDeps {
  return {
    resolveAgent: (type) => {
      ensureAgents();
      return findAgent(type);
    },
    loadSettings: resolveAgentSettings,
    loadSkills: loadSkillsForTask,
    workspaceFor: (task) => workspaceFor(db, task),
    // Only a repository workspace has an end to record: a plain folder's task skips the lookup (a round trip before its outcome).
    afterRun: async (task) => (usesRepository(task) ? finishWorkspace(db, task.id) : undefined),
    needsPlanning,
  };
}

export interface StartWorkerOptions extends Partial<EngineTimings> {
  handle: DatabaseHandle;
  nodeId?: string;
  concurrency?: number;
  roles?: string;
  /** Override how agents, settings, skills and workspaces are found (tests). */
  deps?: Partial<EngineDeps>;
}

export interface Worker {
  readonly nodeId: string;
  readonly engine: Engine;
  /** Stop claiming; running tasks get `drainMs` (default 0) to finish, then are abandoned cleanly. */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/** Start this node's worker: registers it in `nodes`, then claims, heartbeats and sweeps until stopped. */
export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const { handle, deps, ...rest } = options;
  const engine = createEngine({
    ...rest,
    handle,
    concurrency: options.concurrency ?? env().WORKER_CONCURRENCY,
    roles: options.roles ?? "worker",
    deps: { ...defaultEngineDeps(handle.db), ...deps },
  });
  await engine.start();
  const stopRetention = startRetentionSweeper(handle.db);
  return {
    nodeId: engine.nodeId,
    engine,
    stop: (o) => {
      stopRetention();
      return engine.stop(o);
    },
  };
}
