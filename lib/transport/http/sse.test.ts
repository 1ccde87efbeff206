import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../../db/schema";
import { toEventDto } from "../../runtime/serialize";
import { sseFrame, sseFrameBytes } from "./sse";

const row = (seq: number) => ({ id: seq, executionId: "t", seq, attempt: 1, type: "output", state: null, data: { text: `line ${seq}` }, createdAt: new Date("2026-01-01T00:00:00Z") }) as unknown as ExecutionEvent;

describe("serialise each event once for every watcher", () => {
  it("one log row gives one DTO object, whoever asks", () => {
    const event = row(1);
    expect(toEventDto(event)).toBe(toEventDto(event));
    expect(toEventDto(row(1))).toEqual(toEventDto(event));
  });

  it("one event object is encoded to SSE bytes once, and those bytes are the frame", () => {
    const dto = toEventDto(row(2));
    const bytes = sseFrameBytes(dto);
    expect(sseFrameBytes(dto)).toBe(bytes);
    expect(new TextDecoder().decode(bytes)).toBe(sseFrame(dto));
    expect(sseFrame(dto)).toBe(`id: 2\nevent: output\ndata: ${JSON.stringify(dto)}\n\n`);
  });
});
