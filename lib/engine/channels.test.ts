import { describe, expect, it } from "vitest";
import { parseControlNotice, parseEventNotice } from "./channels";
import { toLogEvent } from "./output-batcher";

describe("engine notices and log entries", () => {
  it("parses (task, seq) event notices and rejects garbage", () => {
    expect(parseEventNotice("6f1f0c7e-5a8a-4c3b-9d61-0c1c7b7f4a10:42")).toEqual({ taskId: "6f1f0c7e-5a8a-4c3b-9d61-0c1c7b7f4a10", seq: 42 });
    expect(parseEventNotice("abc:x")).toBeNull();
    expect(parseEventNotice("")).toBeNull();
  });

  it("parses control notices of the known kinds only", () => {
    expect(parseControlNotice("t1:cancel")).toEqual({ taskId: "t1", kind: "cancel" });
    expect(parseControlNotice("t1:input")).toEqual({ taskId: "t1", kind: "input" });
    expect(parseControlNotice("t1:reboot")).toBeNull();
  });

  it("turns agent events into snake_case log data without undefined fields", () => {
    expect(toLogEvent({ type: "usage", inputTokens: 3, outputTokens: 5, costUsd: undefined })).toEqual({ type: "usage", data: { input_tokens: 3, output_tokens: 5 } });
    expect(toLogEvent({ type: "tool_result", name: "bash", output: "ok", isError: false })).toEqual({ type: "tool_result", data: { name: "bash", output: "ok", is_error: false } });
  });
});
