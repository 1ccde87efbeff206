import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the Anthropic Messages API (protocols/anthropic-messages.md):
 * `POST /v1/messages` with `stream: true` answers with the documented SSE event sequence.
 * The scenario is chosen by a marker in the newest user text: `[scenario:<name>]`.
 *   text (default) — streamed text deltas, end_turn
 *   tool           — a tool_use block (Bash `touch approved.txt && echo approved-run`), stop_reason tool_use;
 *                    the follow-up request carrying the tool_result gets a text answer quoting it
 *   slow-tool      — the same with a long Bash command (`sleep 30; echo late > late.txt`)
 *   edit-tool      — a Write tool_use creating `notes/hello.md`
 *   auth           — HTTP 401 authentication_error
 *   overloaded     — HTTP 200, then a mid-stream `error` event
 *   hang           — message_start, then nothing until the client goes away
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | null;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Connections the fake saw closed by the client while it was still streaming. */
  clientAborts: number;
  close(): Promise<void>;
}

type Msg = { role: string; content: unknown };

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b: { type?: string; text?: string }) => (b?.type === "text" ? (b.text ?? "") : "")).join("\n");
}

function toolResultOf(messages: Msg[]): string | undefined {
  const last = messages.at(-1);
  if (!last || !Array.isArray(last.content)) return undefined;
  const block = last.content.find((b: { type?: string }) => b?.type === "tool_result") as { content?: unknown } | undefined;
  if (!block) return undefined;
  return typeof block.content === "string" ? block.content : textOf(block.content);
}

function scenarioOf(messages: Msg[]): string {
  for (const m of [...messages].reverse()) {
    if (m.role !== "user") continue;
    const match = /\[scenario:([a-z-]+)\]/.exec(textOf(m.content));
    if (match) return match[1];
  }
  return "text";
}

function sse(res: ServerResponse, event: Record<string, unknown>): void {
  res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
}

function start(res: ServerResponse, model: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_fake_1" });
  sse(res, {
    type: "message_start",
    message: { id: `msg_${Date.now()}`, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 57, output_tokens: 1 } },
  });
}

function textBlock(res: ServerResponse, index: number, pieces: string[]): void {
  sse(res, { type: "content_block_start", index, content_block: { type: "text", text: "" } });
  sse(res, { type: "ping" });
  for (const text of pieces) sse(res, { type: "content_block_delta", index, delta: { type: "text_delta", text } });
  sse(res, { type: "content_block_stop", index });
}

function finish(res: ServerResponse, stopReason: string, outputTokens: number): void {
  sse(res, { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  sse(res, { type: "message_stop" });
  res.end();
}

/** A text block, then one tool_use whose input arrives as two JSON deltas, stop_reason tool_use. */
function toolUse(res: ServerResponse, model: string, name: string, input: Record<string, unknown>): void {
  start(res, model);
  textBlock(res, 0, ["Running a command first."]);
  const json = JSON.stringify(input);
  const half = Math.floor(json.length / 2);
  sse(res, { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_fake_1", name, input: {} } });
  sse(res, { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } });
  sse(res, { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: json.slice(0, half) } });
  sse(res, { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: json.slice(half) } });
  sse(res, { type: "content_block_stop", index: 1 });
  finish(res, "tool_use", 30);
}

/** The working directory Claude Code states in its system prompt ("Primary working directory: …"). */
function cwdOf(body: Record<string, unknown> | null): string | undefined {
  const system = body?.system;
  const text = typeof system === "string" ? system : Array.isArray(system) ? system.map((b: { text?: string }) => b?.text ?? "").join("\n") : "";
  return /working directory: (\S+)/i.exec(text)?.[1];
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const state = { clientAborts: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> | null = null;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : null;
    } catch {
      body = null;
    }
    const path = (req.url ?? "/").split("?")[0];
    requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });

    if (req.method === "HEAD" || (req.method === "GET" && path === "/")) return void res.writeHead(200).end();
    if (req.method !== "POST" || path !== "/v1/messages") {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no route ${path}` } }));
    }
    const auth = req.headers["x-api-key"] ?? req.headers.authorization;
    const messages = (body?.messages as Msg[] | undefined) ?? [];
    const model = String(body?.model ?? "claude-fake");
    const scenario = scenarioOf(messages);
    if (!auth || scenario === "auth") {
      res.writeHead(401, { "content-type": "application/json", "request-id": "req_fake_401" });
      return void res.end(JSON.stringify({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: "req_fake_401" }));
    }
    res.on("close", () => {
      if (!res.writableEnded) state.clientAborts += 1;
    });
    if (body?.stream !== true) {
      // Side requests some clients make (titles, quota checks): a short non-streamed answer.
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(
        JSON.stringify({ id: "msg_side", type: "message", role: "assistant", model, content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } }),
      );
    }
    const toolResult = toolResultOf(messages);
    if (toolResult !== undefined) {
      start(res, model);
      textBlock(res, 0, ["Tool said: ", toolResult.trim()]);
      return finish(res, "end_turn", 9);
    }
    switch (scenario) {
      case "tool":
        return toolUse(res, model, "Bash", { command: "touch approved.txt && echo approved-run", description: "Print a marker" });
      case "slow-tool":
        return toolUse(res, model, "Bash", { command: "sleep 30; echo late > late.txt", description: "A slow command" });
      case "edit-tool":
        return toolUse(res, model, "Write", { file_path: `${cwdOf(body) ?? "."}/notes/hello.md`, content: "# Hello\n\nWritten by the agent.\n" });
      case "overloaded":
        start(res, model);
        textBlock(res, 0, ["Partial "]);
        sse(res, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
        return void res.end();
      case "hang":
        start(res, model);
        return;
      default:
        start(res, model);
        textBlock(res, 0, ["Hello", " from", " the fake model."]);
        return finish(res, "end_turn", 12);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get clientAborts() {
      return state.clientAborts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
