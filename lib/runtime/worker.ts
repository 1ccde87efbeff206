import { mkdir } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { resolveAgentSettings } from "../agents/config";
import { findAgent } from "../agents/registry";
import type { Database, DatabaseHandle } from "../db/client";
import { projects, type Execution } from "../db/schema";
import { createEngine, type Engine, type EngineTimings } from "../engine/engine";
import type { EngineDeps } from "../engine/task-run";
import { env } from "../env";
import { loadSkillsForTask } from "../skills";
import { ensureAgents } from "./agents";

/** Where an agent works: the project's checkout when it has one, else a fresh folder per task. */
export async function workspaceFor(db: Database, task: Execution): Promise<string> {
  if (task.projectId) {
    const [project] = await db.select({ localPath: projects.localPath }).from(projects).where(eq(projects.id, task.projectId)).limit(1);
    if (project?.localPath) return project.localPath;
  }
  const folder = path.resolve(env().DATA_DIR, "workspaces", task.id);
  await mkdir(folder, { recursive: true });
  return folder;
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
  return { nodeId: engine.nodeId, engine, stop: (o) => engine.stop(o) };
}
