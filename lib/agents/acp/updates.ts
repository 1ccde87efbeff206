import type { ContentBlock, SessionUpdate, ToolCallContent, ToolCallLocation } from "@agentclientprotocol/sdk";
import type { AgentEvent } from "../types";

/** A file change an agent reported in a tool call (`content: [{type: "diff", …}]`). */
export interface ReportedDiff {
  path: string;
  oldText: string | null;
  newText: string;
}

interface ToolState {
  title: string;
  kind?: string;
  rawInput?: unknown;
  locations: string[];
}

function blockText(block: ContentBlock | undefined): string | undefined {
  if (!block) return undefined;
  if (block.type === "text") return block.text;
  if (block.type === "resource_link") return `[${block.name ?? block.uri}]`;
  return `[${block.type}]`;
}

function contentText(content: ToolCallContent[] | null | undefined): string | undefined {
  const parts: string[] = [];
  for (const item of content ?? []) {
    if (item.type === "content") parts.push(blockText(item.content) ?? "");
    else if (item.type === "diff") parts.push(`[diff ${item.path}]`);
    else if (item.type === "terminal") parts.push(`[terminal ${item.terminalId}]`);
  }
  return parts.length > 0 ? parts.join("\n") : undefined;
}

const paths = (locations: ToolCallLocation[] | null | undefined) => (locations ?? []).map((l) => l.path);

/**
 * Folds ACP `session/update` notifications into the task's normalised events: message and
 * thought chunks stream as output, tool calls and their final status become tool_call /
 * tool_result, plans become progress, and diffs are kept for the changes view.
 */
export class AcpUpdates {
  /** The assistant's text of the current turn (the task's result). */
  text = "";
  readonly diffs: ReportedDiff[] = [];
  private readonly tools = new Map<string, ToolState>();

  constructor(private readonly emit: (event: AgentEvent) => void) {}

  handle(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case "agent_message_chunk": {
        const text = blockText(update.content);
        if (text) {
          this.text += text;
          this.emit({ type: "output", text, stream: "assistant" });
        }
        return;
      }
      case "agent_thought_chunk": {
        const text = blockText(update.content);
        if (text) this.emit({ type: "progress", message: `Thinking: ${text.slice(0, 500)}` });
        return;
      }
      case "tool_call": {
        const state: ToolState = { title: update.title ?? "tool", kind: update.kind ?? undefined, rawInput: update.rawInput, locations: paths(update.locations) };
        this.tools.set(update.toolCallId, state);
        this.collectDiffs(update.content);
        this.emit({ type: "tool_call", id: update.toolCallId, name: update.title, input: this.callInput(state, update.content) });
        if (update.status === "completed" || update.status === "failed") this.finishTool(update.toolCallId, update.status, update.content, update.rawOutput);
        return;
      }
      case "tool_call_update": {
        const state = this.tools.get(update.toolCallId) ?? { title: update.title ?? "tool", locations: [] };
        if (update.title) state.title = update.title;
        if (update.kind) state.kind = update.kind;
        if (update.rawInput !== undefined) state.rawInput = update.rawInput;
        if (update.locations) state.locations = paths(update.locations);
        this.tools.set(update.toolCallId, state);
        this.collectDiffs(update.content);
        if (update.status === "completed" || update.status === "failed") this.finishTool(update.toolCallId, update.status, update.content, update.rawOutput);
        return;
      }
      case "plan":
        this.emit({
          type: "progress",
          message: `Plan: ${(update.entries ?? []).map((e) => `${e.status === "completed" ? "✓" : e.status === "in_progress" ? "…" : "○"} ${e.content}`).join("; ")}`.slice(0, 2000),
        });
        return;
      case "usage_update":
        if (update.cost && typeof update.cost.amount === "number") this.emit({ type: "usage", costUsd: update.cost.currency === "USD" ? update.cost.amount : undefined });
        return;
      default:
        // Commands, modes, config options, session info, notices: not part of the task log.
        return;
    }
  }

  /** A tool call's input for the log: what the agent said it will do, and the files it touches. */
  private callInput(state: ToolState, content: ToolCallContent[] | null | undefined): Record<string, unknown> {
    const diffPaths = (content ?? []).flatMap((c) => (c.type === "diff" ? [c.path] : []));
    return {
      ...(state.kind ? { kind: state.kind } : {}),
      ...(state.rawInput !== undefined ? { raw_input: state.rawInput } : {}),
      ...(state.locations.length > 0 ? { locations: state.locations } : {}),
      ...(diffPaths.length > 0 ? { files: diffPaths } : {}),
    };
  }

  private finishTool(id: string, status: "completed" | "failed", content: ToolCallContent[] | null | undefined, rawOutput: unknown): void {
    const state = this.tools.get(id);
    this.emit({ type: "tool_result", id, name: state?.title, output: contentText(content) ?? rawOutput ?? status, isError: status === "failed" });
  }

  private collectDiffs(content: ToolCallContent[] | null | undefined): void {
    for (const item of content ?? []) {
      if (item.type === "diff") this.diffs.push({ path: item.path, oldText: item.oldText ?? null, newText: item.newText });
    }
  }
}
