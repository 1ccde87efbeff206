import { existsSync } from "node:fs";
import path from "node:path";
import type { Database } from "../../db/client";
import { isAppError } from "../../errors";
import type { AnswerBody } from "../answers";
import type { Task, TaskEvent, TaskState } from "../api/types";
import { errorForStatus } from "../client";
import { CliError, EXIT, exitCodeForState, type ExitCode } from "../exit-codes";
import type { NewTask } from "../new-task";
import type { Output } from "../output";
import type { Prompter } from "../prompt";
import type { TaskSource } from "../task-source";
import { watchTask } from "../watch";

export interface LocalRunInput extends NewTask {
  as?: string;
  interactive: boolean;
}

/**
 * `clawlink run --local`: the runtime in this process, on the node's own database (DATA_DIR's
 * PGlite, or DATABASE_URL), with an in-process worker and no server — the same runtime calls,
 * permission checks and audit as over HTTP. Ctrl-C cancels the task.
 */
export async function runLocal(input: LocalRunInput, out: Output, prompter: Prompter): Promise<ExitCode> {
  // The node's JSON logs go to stdout; keep them out of the command's output unless asked for.
  process.env.LOG_LEVEL ??= "silent";
  const { env } = await import("../../env");
  if (!env().DATABASE_URL) refuseIfInUse(path.resolve(env().DATA_DIR, "pglite"));
  const { getDatabase, closeDatabase } = await import("../../db");
  const { ensureAgents, runtimeFor, startWorker } = await import("../../runtime");
  const { localActor } = await import("./actor");

  const handle = await getDatabase();
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const ctx = await localActor(handle.db, input.as);
    ensureAgents();
    worker = await startWorker({ handle, concurrency: 1, roles: "cli-local" });
    const runtime = runtimeFor(handle);
    const projectId = input.project ? await projectIdFor(handle.db, input.project) : undefined;
    const task = await local(() =>
      runtime.submitTask(ctx, {
        agent_type: input.agentType,
        prompt: input.prompt,
        context: input.context ?? {},
        skills: input.skills,
        ...(projectId ? { project_id: projectId } : {}),
        ...(input.timeoutSeconds ? { timeout_seconds: input.timeoutSeconds } : {}),
        ...(input.node ? { node: input.node } : {}),
        ...(input.labels?.length ? { labels: input.labels } : {}),
      }),
    );
    out.note(`Running ${task.task_id} (${task.agent_type}) in this process as ${ctx.user.email}; Ctrl-C cancels it.`);
    const source: TaskSource = {
      taskId: task.task_id,
      events: (after) => localEvents(() => runtime.streamTaskUpdates(ctx, task.task_id, { after })),
      state: () => local(() => runtime.queryTaskState(ctx, task.task_id)) as Promise<TaskState>,
      task: () => local(() => runtime.getTask(ctx, task.task_id)) as Promise<Task>,
      answer: async (body: AnswerBody) => {
        await local(() => runtime.provideInput(ctx, task.task_id, body));
      },
    };
    const onInterrupt = () => {
      out.note("Cancelling…");
      void runtime.cancelTask(ctx, task.task_id, { waitMs: 0 }).catch(() => {});
    };
    process.on("SIGINT", onInterrupt);
    try {
      const final = await watchTask(source, out, { interactive: input.interactive, prompter });
      return exitCodeForState(final.state);
    } finally {
      process.off("SIGINT", onInterrupt);
    }
  } finally {
    await worker?.stop({ drainMs: 0 }).catch(() => {});
    await closeDatabase().catch(() => {});
  }
}

/** PGlite is one process's: two opening one folder corrupt it. A live PGlite keeps postmaster.pid. */
function refuseIfInUse(dataDir: string): void {
  if (!existsSync(path.join(dataDir, "postmaster.pid"))) return;
  throw new CliError(
    `The embedded database ${dataDir} is in use (is a node running on it? Then use \`clawlink submit … --follow\` against it). ` +
      `If no node is running, the last one stopped abruptly: delete ${path.join(dataDir, "postmaster.pid")} and retry.`,
    EXIT.failed,
    "database_in_use",
  );
}

async function projectIdFor(db: Database, keyOrId: string): Promise<string> {
  const { eq, or, sql } = await import("drizzle-orm");
  const { projects } = await import("../../db/schema");
  const isUuid = /^[0-9a-f-]{36}$/i.test(keyOrId);
  const [project] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(isUuid ? or(eq(projects.id, keyOrId), eq(projects.key, keyOrId.toUpperCase())) : eq(sql`upper(${projects.key})`, keyOrId.toUpperCase()))
    .limit(1);
  if (!project) throw new CliError(`No project ${keyOrId}`, EXIT.usage, "usage");
  return project.id;
}

/** Runtime errors (AppError) become the same CliErrors an HTTP call would give. */
async function local<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toCliError(error);
  }
}

async function* localEvents(open: () => Promise<AsyncIterable<unknown>>): AsyncGenerator<TaskEvent> {
  for await (const event of await local(open)) yield event as TaskEvent;
}

function toCliError(error: unknown): unknown {
  if (!isAppError(error)) return error;
  return errorForStatus(error.status, error.code, error.message, error.details);
}
