import type { DatabaseHandle } from "../db/client";
import type { ExecutionEvent } from "../db/schema";
import { eventHubFor, type Following } from "../engine/event-hub";
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

/** A consumer of a task's live log that takes events synchronously, as the hub delivers them. */
export interface TaskEventSink {
  /**
   * The next events, in order, without gaps. Every watcher at the same point gets the same array
   * of the same DTO objects, so a transport can memoise one frame per array or per event (and
   * must not modify them).
   */
  events(batch: readonly TaskEventDto[]): void;
  /** Called once, last: after the terminal state event, or when the stream was stopped (signal, close()). */
  end(): void;
}

/** The handle on a followed stream: backpressure and stop. */
export interface TaskEventFlow {
  /**
   * The consumer is behind: stop delivering (nothing is buffered meanwhile; the log is). Inside
   * `events`, `through` says it took the batch only up to that seq: the rest comes after resume().
   */
  pause(through?: number): void;
  /** Deliver again, from where it paused. */
  resume(): void;
  /** Stop following; `end` is called. */
  close(): void;
}

/**
 * A task's live log. Iterate it (one event per step, for in-process consumers), or — what the
 * SSE and WebSocket transports do — `follow` it: events pushed in batches in the hub's own
 * delivery loop, no per-watcher promise or stream in between.
 */
export interface LiveTaskEvents extends AsyncIterable<TaskEventDto> {
  /** Push delivery; call at most once per stream (the stream is one watcher). */
  follow(sink: TaskEventSink): TaskEventFlow;
}

export function isLiveTaskEvents(events: unknown): events is LiveTaskEvents {
  return typeof (events as Partial<LiveTaskEvents> | null)?.follow === "function";
}

interface DtoBatch {
  dtos: readonly TaskEventDto[];
  /** The batch holds the task's terminal state event (dtos end with it). */
  terminal: boolean;
}

// The hub hands the same row array to every follower at the same point: converted once.
const batches = new WeakMap<readonly ExecutionEvent[], DtoBatch>();

function dtoBatch(rows: readonly ExecutionEvent[]): DtoBatch {
  let batch = batches.get(rows);
  if (!batch) {
    const end = rows.findIndex((row) => row.type === "state" && row.state !== null && isTerminal(row.state));
    const kept = end === -1 ? rows : rows.slice(0, end + 1);
    batches.set(rows, (batch = { dtos: kept.map(toEventDto), terminal: end !== -1 }));
  }
  return batch;
}

/**
 * A task's log, live: everything after `after`, then new events as they are written, ending
 * after the terminal state event. Any number of readers may follow one task.
 * Authorisation happens before the stream is returned, so transports can answer 404/403 normally.
 */
export async function streamTaskUpdates(handle: DatabaseHandle, ctx: AuthContext, taskId: string, options: StreamOptions = {}): Promise<LiveTaskEvents> {
  await authorize(ctx, "task:view");
  const task = await loadVisibleTask(handle.db, ctx, taskId);
  const after = options.after ?? 0;
  const finished = isTerminal(task.state) && after >= task.eventsCount;
  const hub = eventHubFor(handle);
  const { signal } = options;

  const follow = (sink: TaskEventSink): TaskEventFlow => {
    let over = false;
    if (finished || signal?.aborted) {
      const end = () => {
        if (over) return;
        over = true;
        sink.end();
      };
      queueMicrotask(end);
      return { pause() {}, resume() {}, close: end };
    }
    let terminal = false;
    let cutShort = false;
    const following: Following = hub.follow(taskId, after, {
      events(rows) {
        if (over || terminal) return;
        const batch = dtoBatch(rows);
        cutShort = false;
        sink.events(batch.dtos);
        // Ending a stream (closing the response, releasing the credential watch, the abort chain)
        // costs more than writing a frame: done after the hub's loop has written the terminal
        // event to every watcher, not between them. A consumer that took only part of the batch
        // gets the rest, the terminal event with it, after it resumes.
        if (batch.terminal && !cutShort) {
          terminal = true;
          setImmediate(end);
        }
      },
      ended: () => end(),
    });
    const end = () => {
      if (over) return;
      over = true;
      signal?.removeEventListener("abort", end);
      following.close();
      sink.end();
    };
    signal?.addEventListener("abort", end, { once: true });
    return {
      pause: (through) => {
        if (through !== undefined) cutShort = true;
        following.pause(through);
      },
      resume: () => following.resume(),
      close: end,
    };
  };

  return {
    follow,
    async *[Symbol.asyncIterator]() {
      if (finished || signal?.aborted) return;
      const subscription = hub.subscribe(taskId, after);
      const onAbort = () => subscription.close();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        for await (const event of subscription) {
          yield toEventDto(event);
          if (event.type === "state" && event.state && isTerminal(event.state)) return;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        subscription.close();
      }
    },
  };
}
