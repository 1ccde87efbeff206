import type { TaskEvent } from "../hooks/use-tasks";

/**
 * The task log as a reader sees it: runs of streamed text merged into readable blocks, each tool
 * call paired with its result, and everything else as single entries. Pure, so the grouping is
 * unit-tested and the component only renders.
 */
export type OutputBlock =
  | { kind: "text"; key: string; stream: "assistant" | "stdout" | "stderr"; text: string }
  | { kind: "tool"; key: string; call: TaskEvent; result: TaskEvent | null }
  | { kind: "event"; key: string; event: TaskEvent };

/**
 * Lines per text block. A long stream is split so that only its last block changes (and is
 * re-parsed) while new output arrives; markdown blocks split only at a blank line outside a
 * code fence, so no paragraph or code block is cut in two.
 */
export const BLOCK_LINES = 120;

const streamOf = (e: TaskEvent): "assistant" | "stdout" | "stderr" => (e.data.stream === "stderr" ? "stderr" : e.data.stream === "stdout" ? "stdout" : "assistant");

export function toBlocks(events: readonly TaskEvent[]): OutputBlock[] {
  const blocks: OutputBlock[] = [];
  const openCalls = new Map<string, Extract<OutputBlock, { kind: "tool" }>>();
  const openByName: Array<Extract<OutputBlock, { kind: "tool" }>> = [];
  let text: { stream: "assistant" | "stdout" | "stderr"; seq: number; body: string } | null = null;

  const flush = () => {
    if (text) for (const [i, part] of splitText(text.body, text.stream === "assistant").entries()) blocks.push({ kind: "text", key: `t${text.seq}.${i}`, stream: text.stream, text: part });
    text = null;
  };

  for (const e of events) {
    if (e.type === "output") {
      const stream = streamOf(e);
      const chunk = typeof e.data.text === "string" ? e.data.text : "";
      if (text && text.stream === stream) text.body += chunk;
      else {
        flush();
        text = { stream, seq: e.seq, body: chunk };
      }
      continue;
    }
    if (e.type === "result") continue;
    flush();
    if (e.type === "tool_call") {
      const block = { kind: "tool" as const, key: `c${e.seq}`, call: e, result: null };
      blocks.push(block);
      if (typeof e.data.id === "string") openCalls.set(e.data.id, block);
      else openByName.push(block);
    } else if (e.type === "tool_result") {
      const block = matchCall(e, openCalls, openByName);
      if (block) block.result = e;
      else blocks.push({ kind: "event", key: `e${e.seq}`, event: e });
    } else blocks.push({ kind: "event", key: `e${e.seq}`, event: e });
  }
  flush();
  return blocks;
}

/** A result belongs to the call with its id, else to the oldest unanswered call of that name. */
function matchCall(e: TaskEvent, byId: Map<string, Extract<OutputBlock, { kind: "tool" }>>, byName: Array<Extract<OutputBlock, { kind: "tool" }>>) {
  if (typeof e.data.id === "string") {
    const block = byId.get(e.data.id);
    byId.delete(e.data.id);
    if (block) return block;
  }
  const i = byName.findIndex((b) => e.data.name === undefined || b.call.data.name === e.data.name);
  return i < 0 ? null : byName.splice(i, 1)[0];
}

/** Split text into blocks of about BLOCK_LINES lines (markdown: at blank lines outside fences). */
export function splitText(body: string, markdown: boolean): string[] {
  const lines = body.split("\n");
  if (lines.length <= BLOCK_LINES) return [body];
  const parts: string[] = [];
  let start = 0;
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    if (markdown && /^\s*(```|~~~)/.test(lines[i])) fence = !fence;
    const long = i - start + 1 >= BLOCK_LINES;
    const boundary = !markdown || (!fence && lines[i].trim() === "");
    if (long && boundary && i < lines.length - 1) {
      parts.push(lines.slice(start, i + 1).join("\n") + "\n");
      start = i + 1;
    }
  }
  parts.push(lines.slice(start).join("\n"));
  return parts;
}
