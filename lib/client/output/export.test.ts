import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../hooks/use-tasks";
import { logToJsonl, logToText } from "./export";

const ev = (seq: number, type: string, data: Record<string, unknown> = {}, state: TaskEvent["state"] = null): TaskEvent => ({ seq, type, state, attempt: 1, data, created_at: "2026-01-01T00:00:00Z" });

describe("log export", () => {
  const events = [ev(1, "state", {}, "RUNNING"), ev(2, "output", { text: "Hello " }), ev(3, "output", { text: "world" }), ev(4, "tool_call", { name: "Bash", input: { command: "ls" } }), ev(5, "tool_result", { name: "Bash", output: "a.ts" })];

  it("writes text as a terminal showed it, one line per non-text event", () => {
    expect(logToText(events)).toBe('— RUNNING —\nHello world\n⚙ Bash {\n  "command": "ls"\n}\n↳ Bash: a.ts\n');
  });

  it("writes one API event per JSONL line", () => {
    const lines = logToJsonl(events).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
  });
});
