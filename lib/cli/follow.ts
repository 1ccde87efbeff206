import { createParser } from "eventsource-parser";
import { cliEnv } from "../env";
import { apiError, errorForStatus, fetchOrExplain, USER_AGENT, type Connection } from "./client";
import { isTerminalState, type TaskEvent } from "./api/types";
import { CliError, EXIT } from "./exit-codes";
import { NoWebSocket, streamOverWebSocket } from "./follow-ws";

export interface FollowOptions {
  /** Start after this seq (0: from the beginning). */
  after?: number;
  signal?: AbortSignal;
  /** Give up reconnecting after this long without a working stream. */
  reconnectForMs?: number;
  /** auto: the WebSocket, or SSE when the node has none (CLAWLINK_LIVE, default auto). */
  live?: "auto" | "ws" | "sse";
}

/** The server sends a heartbeat every 15 s; silence for this long means a dead connection. */
const SILENCE_MS = 45_000;

/**
 * A task's events, live, in order, without gaps or duplicates, until its final state. The one
 * place the command reads live output: over the node's WebSocket (lib/cli/follow-ws.ts) when it
 * has one, else over SSE (GET …/stream); either way resumed with `after` across dropped
 * connections. A node without the socket is asked over SSE from then on.
 */
export async function* followTask(conn: Connection, taskId: string, options: FollowOptions = {}): AsyncGenerator<TaskEvent> {
  let after = options.after ?? 0;
  const reconnectForMs = options.reconnectForMs ?? 30_000;
  const live = options.live ?? cliEnv().CLAWLINK_LIVE;
  let overSocket = live !== "sse";
  let failingSince: number | null = null;
  for (let attempt = 0; ; attempt++) {
    let sawTerminal = false;
    try {
      const stream = overSocket ? streamOverWebSocket(conn, taskId, after, options.signal) : streamOnce(conn, taskId, after, options.signal);
      for await (const event of stream) {
        failingSince = null;
        if (event.seq <= after) continue;
        after = event.seq;
        yield event;
        if (event.type === "state" && isTerminalState(event.state)) sawTerminal = true;
      }
      if (sawTerminal || options.signal?.aborted) return;
      // The stream ended cleanly: either the task was already over, or the node went away.
      if (await alreadyFinished(conn, taskId, after)) return;
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof NoWebSocket) {
        if (live === "ws") throw new CliError(`The node at ${conn.target.url} serves no WebSocket (CLAWLINK_LIVE=ws)`, EXIT.failed, "no_websocket");
        overSocket = false;
        continue;
      }
      if (error instanceof CliError && error.exitCode !== EXIT.unreachable) throw error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > reconnectForMs) throw error;
    }
    await sleep(Math.min(4_000, 250 * 2 ** Math.min(attempt, 4)), options.signal);
    if (options.signal?.aborted) return;
  }
}

async function* streamOnce(conn: Connection, taskId: string, after: number, signal?: AbortSignal): AsyncGenerator<TaskEvent> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  let watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
  const url = `${conn.target.url}/api/runtime/tasks/${encodeURIComponent(taskId)}/stream?after=${after}`;
  const request = new Request(url, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${conn.target.token}`, "user-agent": USER_AGENT },
    signal: controller.signal,
  });
  try {
    const response = await fetchOrExplain(conn.target.url, request, { timeoutMs: null });
    if (!response.ok) throw apiError(response, await response.json().catch(() => undefined));
    const queue: TaskEvent[] = [];
    // The node's last word when it cuts the stream (the credential ended): an `error` event with the API's error body.
    let refused: CliError | null = null;
    const parser = createParser({
      onEvent: (message) => {
        // A task's own `error` log entry has a seq; the node's closing error body does not.
        const data = parseData(message.data);
        if (message.event === "error" && typeof data?.seq !== "number") refused = streamError(message.data);
        else if (data) queue.push(data as unknown as TaskEvent);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (queue.length) yield queue.shift()!;
        if (refused) throw refused;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof CliError) throw error;
      throw new CliError(`Lost the connection to ${conn.target.url} (${(error as Error).message})`, EXIT.unreachable, "unreachable");
    }
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onAbort);
    controller.abort();
  }
}

function parseData(data: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function streamError(data: string): CliError {
  let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
  try {
    body = JSON.parse(data) as typeof body;
  } catch {
    // not JSON: the generic message below
  }
  const code = body.error?.code ?? "stream_error";
  return errorForStatus(code === "unauthenticated" ? 401 : 500, code, body.error?.message ?? "The node ended the stream", body.error?.details);
}

async function alreadyFinished(conn: Connection, taskId: string, after: number): Promise<boolean> {
  const { data, response, error } = await conn.api.GET("/api/runtime/tasks/{id}/state", { params: { path: { id: taskId } } });
  if (!response.ok) throw apiError(response, error);
  return isTerminalState(data!.state) && data!.events_count <= after;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
