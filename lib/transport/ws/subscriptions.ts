import { AppError } from "../../errors";
import { log } from "../../log";
import type { TaskEventDto } from "../../runtime/schemas";
import { isLiveTaskEvents, type LiveTaskEvents } from "../../runtime/stream";
import type { Connection } from "./connection";
import type { EventFrames } from "./event-frames";

/** Opens a task's live log (after access checks), ending it when `signal` aborts. */
export type OpenStream = (signal: AbortSignal) => Promise<AsyncIterable<TaskEventDto>>;

/**
 * One socket's task subscriptions. Each follows the task's log through the registry's stream
 * operation (the same authorisation, fan-out and resume-by-seq as SSE) and writes event frames
 * in order; a client that stops reading is cut off by the connection, not buffered for.
 */
export class Subscriptions {
  private readonly active = new Map<string, AbortController>();

  constructor(
    private readonly connection: Connection,
    private readonly frames: EventFrames,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.active.size;
  }

  /**
   * Check access and open the task's stream; returns the function that starts sending events,
   * to be called once the subscribe result has been sent (so the result always comes first).
   */
  async open(taskId: string, after: number, openStream: OpenStream): Promise<() => void> {
    if (this.active.has(taskId)) throw new AppError("conflict", "Already subscribed to this task on this connection; unsubscribe first", { task_id: taskId });
    if (this.active.size >= this.max) throw new AppError("rate_limited", `At most ${this.max} subscriptions per connection`, { limit: this.max });
    const stop = new AbortController();
    // Reserved before the first await, so two subscribes racing for one task cannot both pass.
    this.active.set(taskId, stop);
    try {
      const events = await openStream(stop.signal);
      return isLiveTaskEvents(events) ? () => this.follow(taskId, events, after, stop) : () => void this.pump(taskId, events, after, stop);
    } catch (error) {
      this.release(taskId, stop);
      throw error;
    }
  }

  /** Stop one subscription; false when there was none. */
  close(taskId: string): boolean {
    const stop = this.active.get(taskId);
    if (!stop) return false;
    stop.abort();
    this.active.delete(taskId);
    return true;
  }

  closeAll(): void {
    for (const stop of this.active.values()) stop.abort();
    this.active.clear();
  }

  /**
   * Push delivery: each batch the hub hands over is written at once, the same frames every
   * subscriber gets, in the hub's loop. A client past the high-water mark pauses the stream (the
   * events stay in the log, nothing piles up here) until it has read what it was sent; one that
   * does not within slowConsumerMs is cut off by the connection (4004).
   */
  private follow(taskId: string, events: LiveTaskEvents, after: number, stop: AbortController): void {
    let lastSeq = after;
    let state: TaskEventDto["state"] = null;
    const flow = events.follow({
      events: (batch) => {
        if (stop.signal.aborted) return;
        const frames = this.frames.batch(taskId, batch);
        for (let i = 0; i < frames.length; i++) {
          if (!this.connection.send(frames[i]!)) return void stop.abort();
          const event = batch[i]!;
          lastSeq = event.seq;
          if (event.type === "state") state = event.state;
          if (!this.connection.behind) continue;
          // Behind (a long catch-up, a slow reader): the rest of the batch waits in the log, not here.
          flow.pause(i < frames.length - 1 ? event.seq : undefined);
          void this.connection.whenDrained().then((drained) => (drained ? flow.resume() : stop.abort()));
          return;
        }
      },
      end: () => {
        this.release(taskId, stop);
        if (!stop.signal.aborted) this.connection.send({ type: "ended", task_id: taskId, reason: "finished", last_seq: lastSeq, state });
      },
    });
  }

  private async pump(taskId: string, events: AsyncIterable<TaskEventDto>, after: number, stop: AbortController): Promise<void> {
    let lastSeq = after;
    let state: TaskEventDto["state"] = null;
    let reason: "finished" | "error" = "finished";
    try {
      for await (const event of events) {
        if (stop.signal.aborted) return;
        if (!(await this.connection.sendInOrder(this.frames.frame(taskId, event)))) {
          stop.abort();
          return;
        }
        lastSeq = event.seq;
        if (event.type === "state") state = event.state;
      }
    } catch (error) {
      reason = "error";
      log.warn({ err: error, taskId, connection: this.connection.id }, "websocket task stream failed");
    } finally {
      this.release(taskId, stop);
    }
    if (!stop.signal.aborted) this.connection.send({ type: "ended", task_id: taskId, reason, last_seq: lastSeq, state });
  }

  private release(taskId: string, stop: AbortController): void {
    if (this.active.get(taskId) === stop) this.active.delete(taskId);
  }
}
