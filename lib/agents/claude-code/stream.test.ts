import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../types";
import { claudeCodeArgs, resumeSessionId } from "./index";
import { ClaudeCodeStream, resultFailed } from "./stream";

describe("Claude Code stream-json mapping", () => {
  it("outputs full assistant text only when no deltas streamed (older CLIs)", () => {
    const events: AgentEvent[] = [];
    const stream = new ClaudeCodeStream((e) => events.push(e));
    stream.handle({ type: "assistant", message: { id: "m1", content: [{ type: "text", text: "Hi" }, { type: "tool_use", id: "t1", name: "Read", input: { file_path: "a.ts" } }] } });
    stream.handle({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "one" }, { type: "image" }], is_error: false }] } });
    stream.handle({ type: "rate_limit_event", rate_limit_info: {} });
    expect(events).toEqual([
      { type: "output", text: "Hi", stream: "assistant" },
      { type: "message", role: "assistant", text: "Hi" },
      { type: "tool_call", id: "t1", name: "Read", input: { file_path: "a.ts" } },
      { type: "tool_result", id: "t1", name: "Read", output: "one\n[image]", isError: false },
    ]);
    expect(stream.outcome.lastText).toBe("Hi");
  });

  it("treats is_error as failure even with subtype success", () => {
    expect(resultFailed({ subtype: "success", is_error: true })).toBe(true);
    expect(resultFailed({ subtype: "error_max_turns", is_error: false })).toBe(true);
    expect(resultFailed({ subtype: "success", is_error: false })).toBe(false);
  });

  it("builds argv from settings and accepts only well-formed session ids", () => {
    expect(claudeCodeArgs({ approvals: false, permissionMode: "acceptEdits", model: "opus", maxTurns: 5 }, { resume_session_id: "abc; rm -rf" })).toEqual([
      "-p", "--verbose", "--output-format", "stream-json", "--input-format", "stream-json", "--include-partial-messages",
      "--permission-mode", "acceptEdits", "--model", "opus", "--max-turns", "5",
    ]);
    expect(resumeSessionId({ resumeSessionId: "5b0e1c2d-0000-4000-8000-000000000001" })).toBe("5b0e1c2d-0000-4000-8000-000000000001");
  });
});
