import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../hooks/use-tasks";
import { BLOCK_LINES, splitText, toBlocks } from "./blocks";

let seq = 0;
const ev = (type: string, data: Record<string, unknown> = {}): TaskEvent => ({ seq: ++seq, type, state: null, attempt: 1, data, created_at: "2026-01-01T00:00:00Z" });

describe("toBlocks", () => {
  it("merges consecutive chunks of one stream and starts a new block when the stream changes", () => {
    const blocks = toBlocks([ev("output", { text: "Hel", stream: "assistant" }), ev("output", { text: "lo", stream: "assistant" }), ev("output", { text: "$ ls\n", stream: "stdout" })]);
    expect(blocks.map((b) => (b.kind === "text" ? [b.stream, b.text] : b.kind))).toEqual([
      ["assistant", "Hello"],
      ["stdout", "$ ls\n"],
    ]);
  });

  it("pairs a result with its call by id, else with the oldest open call of that name", () => {
    const a = ev("tool_call", { id: "t1", name: "Read" });
    const b = ev("tool_call", { name: "write" });
    const blocks = toBlocks([a, b, ev("tool_result", { name: "write", output: "ok" }), ev("tool_result", { id: "t1", output: "text" })]);
    expect(blocks).toHaveLength(2);
    expect(blocks.map((x) => (x.kind === "tool" ? x.result?.data.output : null))).toEqual(["text", "ok"]);
  });

  it("keeps a result whose call is unknown as its own entry", () => {
    const blocks = toBlocks([ev("tool_result", { id: "gone", output: "?" })]);
    expect(blocks.map((b) => b.kind)).toEqual(["event"]);
  });

  it("interrupts text with other events and skips the result event", () => {
    const blocks = toBlocks([ev("output", { text: "a" }), ev("progress", { message: "p" }), ev("output", { text: "b" }), ev("result", { output: "b" })]);
    expect(blocks.map((b) => b.kind)).toEqual(["text", "event", "text"]);
  });

  it("gives earlier blocks stable keys while a long stream grows", () => {
    const first = ev("output", { text: Array.from({ length: BLOCK_LINES * 2 }, (_, i) => `line ${i}`).join("\n") + "\n", stream: "stdout" });
    const before = toBlocks([first]);
    const after = toBlocks([first, ev("output", { text: "more\n", stream: "stdout" })]);
    expect(before.length).toBeGreaterThan(1);
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
  });
});

describe("splitText", () => {
  it("splits markdown only at a blank line outside a code fence", () => {
    const fence = ["```ts", ...Array.from({ length: BLOCK_LINES + 10 }, (_, i) => `const a${i} = ${i};`), "", "```"];
    const text = [...fence, "", "after"].join("\n");
    const parts = splitText(text, true);
    expect(parts[0]).toContain("```ts");
    expect(parts[0].trimEnd().endsWith("```")).toBe(true);
    expect(parts.join("")).toBe(text);
  });

  it("splits plain output into bounded blocks that join back to the original", () => {
    const text = Array.from({ length: 3000 }, (_, i) => `chunk ${i}`).join("\n");
    const parts = splitText(text, false);
    expect(parts.length).toBeGreaterThanOrEqual(3000 / BLOCK_LINES);
    expect(parts.join("")).toBe(text);
  });
});
