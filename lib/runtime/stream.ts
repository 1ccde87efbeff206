import type { DatabaseHandle } from "../db/client";
import { eventHubFor } from "../engine/event-hub";
import { isTerminal } from "../engine/lifecycle";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { loadVisibleTask } from "./access";
import type { TaskEventDto } from "./schemas";
import { toEventDto } from "./serialize";

export interface StreamOptions {
  /** Resume after this seq (0 = from the start). */
  after?: number;
  /** Stop following when aborted (client disconnected). */
  signal?: AbortSignal;
}

/**
 * A task's log as a live async iterable: everything after `after`, then new events as they are
 * written, ending after the terminal state event. Any number of readers may follow one task.
 * Authorisation happens before the iterable is returned, so transports can answer 404/403 normally.
 */
export async function streamTaskUpdates(handle: DatabaseHandle, ctx: AuthContext, taskId: string, options: StreamOptions = {}): Promise<AsyncIterable<TaskEventDto>> {
  await authorize(ctx, "task:view");
  const task = await loadVisibleTask(handle.db, ctx, taskId);
  const after = options.after ?? 0;
  const finished = isTerminal(task.state) && after >= task.eventsCount;
  const hub = eventHubFor(handle);
  return {
    async *[Symbol.asyncIterator]() {
      if (finished || options.signal?.aborted) return;
      const subscription = hub.subscribe(taskId, after);
      const onAbort = () => subscription.close();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        for await (const event of subscription) {
          yield toEventDto(event);
          if (event.type === "state" && event.state && isTerminal(event.state)) return;
        }
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
        subscription.close();
      }
    },
  };
}
