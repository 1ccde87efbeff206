import type { AgentEvent } from "../types";

/** What the stream told us by the time it ended. */
export interface ClaudeCodeOutcome {
  sessionId?: string;
  model?: string;
  result?: Record<string, unknown>;
  /** Text of the last assistant message, used when `result.result` is missing. */
  lastText: string;
  /** `assistant.error` values seen (authentication_failed, rate_limit …). */
  assistantErrors: string[];
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);

/**
 * Maps Claude Code's stdout lines (system / stream_event / assistant / user / result) to
 * normalised events. Control requests are handled by the adapter, not here.
 */
export class ClaudeCodeStream {
  readonly outcome: ClaudeCodeOutcome = { lastText: "", assistantErrors: [] };
  private readonly toolNames = new Map<string, string>();
  /** Message ids whose text already streamed as deltas (then the full block is not re-output). */
  private readonly streamed = new Set<string>();
  private currentStreamId: string | undefined;

  constructor(private readonly emit: (event: AgentEvent) => void) {}

  handle(line: Json): void {
    switch (line.type) {
      case "system":
        return this.system(line);
      case "stream_event":
        return this.partial(obj(line.event));
      case "assistant":
        return this.assistant(line);
      case "user":
        return this.user(line);
      case "result":
        return this.result(line);
      default:
        // rate_limit_event, tool_progress, auth_status …: not needed for the task log.
        return;
    }
  }

  private system(line: Json): void {
    if (line.subtype === "init") {
      this.outcome.sessionId = str(line.session_id) ?? this.outcome.sessionId;
      this.outcome.model = str(line.model) ?? this.outcome.model;
      const version = str(line.claude_code_version);
      this.emit({
        type: "progress",
        message: `Claude Code session ${this.outcome.sessionId ?? "?"} started${this.outcome.model ? ` (${this.outcome.model})` : ""}${version ? `, CLI ${version}` : ""}`,
      });
    } else if (line.subtype === "api_retry") {
      this.emit({
        type: "progress",
        message: `API retry ${num(line.attempt) ?? "?"}/${num(line.max_retries) ?? "?"}${line.error_status ? ` after HTTP ${String(line.error_status)}` : ""}`,
      });
    } else if (line.subtype === "status" && typeof line.status === "string") {
      this.emit({ type: "progress", message: `Claude Code is ${line.status}` });
    }
  }

  private partial(event: Json | undefined): void {
    if (!event) return;
    if (event.type === "message_start") {
      this.currentStreamId = str(obj(event.message)?.id);
      return;
    }
    const delta = obj(event.delta);
    if (event.type === "content_block_delta" && delta?.type === "text_delta" && typeof delta.text === "string") {
      if (this.currentStreamId) this.streamed.add(this.currentStreamId);
      this.emit({ type: "output", text: delta.text, stream: "assistant" });
    }
  }

  private assistant(line: Json): void {
    const message = obj(line.message);
    if (!message) return;
    if (typeof line.error === "string") this.outcome.assistantErrors.push(line.error);
    this.outcome.model = str(message.model) ?? this.outcome.model;
    const id = str(message.id);
    const sub = line.parent_tool_use_id ? " (sub-agent)" : "";
    for (const block of Array.isArray(message.content) ? message.content : []) {
      const b = obj(block);
      if (!b) continue;
      if (b.type === "text" && typeof b.text === "string" && b.text !== "") {
        if (!(id && this.streamed.has(id))) this.emit({ type: "output", text: b.text, stream: "assistant" });
        this.emit({ type: "message", role: "assistant", text: b.text + sub });
        if (!line.parent_tool_use_id) this.outcome.lastText = b.text;
      } else if (b.type === "tool_use") {
        const toolId = str(b.id);
        const name = str(b.name) ?? "tool";
        if (toolId) this.toolNames.set(toolId, name);
        this.emit({ type: "tool_call", id: toolId, name, input: b.input });
      }
    }
  }

  private user(line: Json): void {
    if (line.isReplay) return;
    const content = obj(line.message)?.content;
    for (const block of Array.isArray(content) ? content : []) {
      const b = obj(block);
      if (b?.type !== "tool_result") continue;
      const id = str(b.tool_use_id);
      this.emit({
        type: "tool_result",
        id,
        name: id ? this.toolNames.get(id) : undefined,
        output: toolResultText(b.content),
        isError: b.is_error === true,
      });
    }
  }

  private result(line: Json): void {
    this.outcome.result = line;
    this.outcome.sessionId = str(line.session_id) ?? this.outcome.sessionId;
    const usage = obj(line.usage);
    this.emit({
      type: "usage",
      inputTokens: num(usage?.input_tokens),
      outputTokens: num(usage?.output_tokens),
      costUsd: num(line.total_cost_usd),
      model: this.outcome.model,
    });
  }
}

/** Tool results are a string or an array of content blocks; keep text, summarise the rest. */
export function toolResultText(content: unknown): unknown {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content;
  return content
    .map((c) => {
      const block = obj(c);
      if (block?.type === "text") return str(block.text) ?? "";
      return `[${str(block?.type) ?? "content"}]`;
    })
    .join("\n");
}

/** Is this result line a failure? (`is_error` wins: an API failure can arrive as subtype success.) */
export function resultFailed(result: Json): boolean {
  return result.is_error === true || (typeof result.subtype === "string" && result.subtype !== "success");
}
