import { describe, expect, it } from "vitest";
import { parseSteps } from "../agents/test-echo";

describe("test-echo's little language", () => {
  it("echoes a prompt that is not a command list", () => {
    expect(parseSteps("Write a login form", {})).toEqual([{ say: "Write a login form" }]);
    expect(parseSteps("say hello; then leave", {})).toEqual([{ say: "say hello; then leave" }]);
  });

  it("reads ;-separated prompt commands", () => {
    expect(parseSteps("say:hi; chunks:5; sleep:20; ask:Which branch?; approve:rm -rf; progress:half; result:ok; fail:boom; hang", {})).toEqual([
      { say: "hi" },
      { chunks: 5, delay_ms: 10 },
      { sleep_ms: 20 },
      { ask: "Which branch?" },
      { approve: "rm -rf" },
      { progress: "half" },
      { result: "ok" },
      { fail: "boom" },
      { hang: true },
    ]);
  });

  it("prefers context.steps and validates them", () => {
    expect(parseSteps("ignored", { steps: [{ chunks: 2, text: "x", delay_ms: 0 }, { tool: "bash", input: { cmd: "ls" } }] })).toEqual([
      { chunks: 2, text: "x", delay_ms: 0 },
      { tool: "bash", input: { cmd: "ls" } },
    ]);
    expect(() => parseSteps("x", { steps: [{ explode: true }] })).toThrow();
  });
});
