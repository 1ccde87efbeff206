import { describe, expect, it } from "vitest";
import type { TaskEventDto } from "../../runtime/schemas";
import { EventFrames } from "./event-frames";

const event = (seq: number): TaskEventDto => ({ seq, type: "output", state: null, attempt: 1, data: { text: `line ${seq}` }, created_at: "2026-01-01T00:00:00.000Z" });
const TASK = "7d3c1a52-8a0e-4f3e-9a55-0f1c1f6a7b01";

describe("EventFrames", () => {
  it("serialises an event frame once and hands the same bytes to every socket", () => {
    const frames = new EventFrames();
    const first = frames.frame(TASK, event(1));
    expect(frames.frame(TASK, event(1))).toBe(first);
    expect(JSON.parse(first.toString())).toEqual({ type: "event", task_id: TASK, seq: 1, event: event(1) });
  });

  it("forgets the oldest frames beyond its capacity", () => {
    const frames = new EventFrames(2);
    const one = frames.frame(TASK, event(1));
    frames.frame(TASK, event(2));
    frames.frame(TASK, event(3));
    expect(frames.frame(TASK, event(1))).not.toBe(one);
    expect(frames.frame(TASK, event(1)).equals(one)).toBe(true);
  });
});
