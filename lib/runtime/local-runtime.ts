import { getDatabase, type DatabaseHandle } from "../db";
import { eventHubFor } from "../engine/event-hub";
import { isTerminal } from "../engine/lifecycle";
import { loadVisibleTask } from "./access";
import type { AuthContext } from "../security/context";
import { openSession, type OpenSessionInput } from "../security/open-session";
import { getSession, listSessions, revokeSession } from "../security/runtime-sessions";
import { deleteMemory, getMemory, listMemory, putMemory } from "../security/session-memory";
import { requestCancel, provideInput as answer } from "./control";
import { listAgents, listSkills } from "./discovery";
import { getTask, listEvents, listTasks, queryTaskState } from "./queries";
import type { EventsQuery, ListTasksQuery, ProvideInputBody, RetryTaskBody, SubmitTaskBody, TaskDto, TaskEventDto, TaskStateDto } from "./schemas";
import { toStateDto, toTaskDto } from "./serialize";
import { streamTaskUpdates, type StreamOptions } from "./stream";
import { retryTask, submitTask, type SubmitOptions } from "./submit";

/** The runtime contract every transport (HTTP, SSE, WebSocket, CLI, gateway) calls, and nothing below it. */
export interface Runtime {
  submitTask(ctx: AuthContext, input: SubmitTaskBody, options?: SubmitOptions): Promise<TaskDto>;
  streamTaskUpdates(ctx: AuthContext, taskId: string, options?: StreamOptions): Promise<AsyncIterable<TaskEventDto>>;
  queryTaskState(ctx: AuthContext, taskId: string): Promise<TaskStateDto>;
  getTask(ctx: AuthContext, taskId: string): Promise<TaskDto>;
  listTasks(ctx: AuthContext, query: ListTasksQuery): ReturnType<typeof listTasks>;
  listEvents(ctx: AuthContext, taskId: string, query: EventsQuery): ReturnType<typeof listEvents>;
  cancelTask(ctx: AuthContext, taskId: string, options?: { waitMs?: number }): Promise<TaskStateDto & { cancel_requested: boolean }>;
  provideInput(ctx: AuthContext, taskId: string, input: ProvideInputBody): Promise<TaskDto>;
  retryTask(ctx: AuthContext, taskId: string, input?: RetryTaskBody): Promise<TaskDto>;
  listAgents(ctx: AuthContext): ReturnType<typeof listAgents>;
  listSkills(ctx: AuthContext): ReturnType<typeof listSkills>;
  /** Sessions: a device-bound credential with its own memory scope (DESIGN.md §7). */
  openSession(ctx: AuthContext, input: OpenSessionInput): ReturnType<typeof openSession>;
  listSessions(ctx: AuthContext, options?: { includeEnded?: boolean }): ReturnType<typeof listSessions>;
  getSession(ctx: AuthContext, sessionId: string): ReturnType<typeof getSession>;
  endSession(ctx: AuthContext, sessionId: string): Promise<void>;
  listMemory(ctx: AuthContext, sessionId: string): ReturnType<typeof listMemory>;
  getMemory(ctx: AuthContext, sessionId: string, key: string): ReturnType<typeof getMemory>;
  putMemory(ctx: AuthContext, sessionId: string, key: string, value: unknown): ReturnType<typeof putMemory>;
  /** One key, or every key when `key` is null. */
  deleteMemory(ctx: AuthContext, sessionId: string, key: string | null): Promise<void>;
}

/** How long cancel waits for a running task's worker to confirm before answering. */
const CANCEL_CONFIRM_MS = 3_000;

/** The runtime on this node's database: auth context + RBAC + audit around the engine. */
export class LocalRuntime implements Runtime {
  constructor(private readonly handle: DatabaseHandle) {}

  private get db() {
    return this.handle.db;
  }

  submitTask(ctx: AuthContext, input: SubmitTaskBody, options?: SubmitOptions) {
    return submitTask(this.db, ctx, input, options);
  }

  streamTaskUpdates(ctx: AuthContext, taskId: string, options?: StreamOptions) {
    return streamTaskUpdates(this.handle, ctx, taskId, options);
  }

  queryTaskState(ctx: AuthContext, taskId: string) {
    return queryTaskState(this.db, ctx, taskId);
  }

  getTask(ctx: AuthContext, taskId: string) {
    return getTask(this.db, ctx, taskId);
  }

  listTasks(ctx: AuthContext, query: ListTasksQuery) {
    return listTasks(this.db, ctx, query);
  }

  listEvents(ctx: AuthContext, taskId: string, query: EventsQuery) {
    return listEvents(this.db, ctx, taskId, query);
  }

  /** Cancel, then give the owning worker a moment to confirm so most callers see CANCELLED at once. */
  async cancelTask(ctx: AuthContext, taskId: string, options: { waitMs?: number } = {}) {
    let task = await requestCancel(this.db, ctx, taskId);
    const waitMs = options.waitMs ?? CANCEL_CONFIRM_MS;
    if (!isTerminal(task.state) && waitMs > 0) {
      const subscription = eventHubFor(this.handle).subscribe(taskId, task.eventsCount);
      const timer = setTimeout(() => subscription.close(), waitMs);
      try {
        for await (const event of subscription) if (event.type === "state" && event.state && isTerminal(event.state)) break;
      } finally {
        clearTimeout(timer);
        subscription.close();
      }
      task = (await this.getRow(ctx, taskId)) ?? task;
    }
    return { ...toStateDto(task), cancel_requested: task.cancelRequestedAt !== null };
  }

  private getRow(ctx: AuthContext, taskId: string) {
    return loadVisibleTask(this.db, ctx, taskId).catch(() => undefined);
  }

  async provideInput(ctx: AuthContext, taskId: string, input: ProvideInputBody) {
    return toTaskDto(await answer(this.db, ctx, taskId, input));
  }

  retryTask(ctx: AuthContext, taskId: string, input?: RetryTaskBody) {
    return retryTask(this.db, ctx, taskId, input);
  }

  listAgents(ctx: AuthContext) {
    return listAgents(this.db, ctx);
  }

  listSkills(ctx: AuthContext) {
    return listSkills(this.db, ctx);
  }

  openSession(ctx: AuthContext, input: OpenSessionInput) {
    return openSession(this.db, ctx, input);
  }

  listSessions(ctx: AuthContext, options: { includeEnded?: boolean } = {}) {
    return listSessions(this.db, ctx, { userId: ctx.user.id, includeEnded: options.includeEnded });
  }

  getSession(ctx: AuthContext, sessionId: string) {
    return getSession(this.db, ctx, sessionId);
  }

  endSession(ctx: AuthContext, sessionId: string) {
    return revokeSession(this.db, ctx, sessionId);
  }

  listMemory(ctx: AuthContext, sessionId: string) {
    return listMemory(this.db, ctx, sessionId);
  }

  getMemory(ctx: AuthContext, sessionId: string, key: string) {
    return getMemory(this.db, ctx, sessionId, key);
  }

  putMemory(ctx: AuthContext, sessionId: string, key: string, value: unknown) {
    return putMemory(this.db, ctx, sessionId, key, value);
  }

  deleteMemory(ctx: AuthContext, sessionId: string, key: string | null) {
    return deleteMemory(this.db, ctx, sessionId, key);
  }
}

const runtimes = new WeakMap<DatabaseHandle, LocalRuntime>();

export function runtimeFor(handle: DatabaseHandle): LocalRuntime {
  let runtime = runtimes.get(handle);
  if (!runtime) runtimes.set(handle, (runtime = new LocalRuntime(handle)));
  return runtime;
}

/** The runtime on the process database. */
export async function localRuntime(): Promise<LocalRuntime> {
  return runtimeFor(await getDatabase());
}
