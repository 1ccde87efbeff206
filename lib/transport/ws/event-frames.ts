import type { TaskEventDto } from "../../runtime/schemas";

const CACHED_FRAMES = 4_096;

/**
 * An event's frame, serialised once and shared by every socket that follows the task: with 1,000
 * watchers on one task each event is stringified and encoded once, not 1,000 times. Log entries
 * never change once written, so (task, seq, attempt) identifies the bytes.
 */
export class EventFrames {
  private readonly frames = new Map<string, Buffer>();
  private readonly batches = new WeakMap<readonly TaskEventDto[], readonly Buffer[]>();

  constructor(private readonly capacity = CACHED_FRAMES) {}

  frame(taskId: string, event: TaskEventDto): Buffer {
    const key = `${taskId}:${event.seq}:${event.attempt}`;
    let frame = this.frames.get(key);
    if (!frame) {
      frame = Buffer.from(JSON.stringify({ type: "event", task_id: taskId, seq: event.seq, event }));
      this.frames.set(key, frame);
      // Maps iterate in insertion order: the first key is the oldest.
      if (this.frames.size > this.capacity) this.frames.delete(this.frames.keys().next().value!);
    }
    return frame;
  }

  /**
   * The frames of a batch of events, memoised per batch array: the event hub hands the same array
   * to every subscriber at the same point, so the 1,000 sockets following a task look the frames
   * up once per batch, not once per event each.
   */
  batch(taskId: string, events: readonly TaskEventDto[]): readonly Buffer[] {
    let frames = this.batches.get(events);
    if (!frames) this.batches.set(events, (frames = events.map((event) => this.frame(taskId, event))));
    return frames;
  }
}
