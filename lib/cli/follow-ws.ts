import WebSocket from "ws";
import { errorForStatus, unreachable, USER_AGENT, type Connection } from "./client";
import type { TaskEvent } from "./api/types";
import { CliError, EXIT } from "./exit-codes";

/** The node serves no WebSocket (an older node, or `--transport http`): follow over SSE instead. */
export class NoWebSocket extends Error {}

const RUNTIME_WS_PATH = "/api/runtime/ws";
const PROTOCOL = 1;
/** The server pings every 15 s; silence for this long means a dead connection. */
const SILENCE_MS = 45_000;
/** Close codes after which reconnecting cannot help (the credential ended or was refused, a protocol mismatch). */
const FINAL_CLOSES: Record<number, { exit: typeof EXIT.auth | typeof EXIT.failed; why: string }> = {
  4000: { exit: EXIT.failed, why: "the node refused the protocol" },
  4001: { exit: EXIT.auth, why: "the node refused the token" },
  4002: { exit: EXIT.auth, why: "the token or session ended" },
};

type Frame = { type: string; [field: string]: unknown };
type Item = { event: TaskEvent } | { done: true } | { error: Error };

export function webSocketUrl(nodeUrl: string): string {
  const url = new URL(nodeUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/$/, "")}${RUNTIME_WS_PATH}`;
  return url.toString();
}

/**
 * One subscription to a task over the WebSocket runtime protocol: hello, `subscribe {task_id,
 * after}`, then its event frames until `ended`. Ends normally after the terminal state; throws a
 * CliError with EXIT.unreachable when the connection breaks (the caller resumes with `after`),
 * NoWebSocket when the node has no socket, and the HTTP API's errors (401/403/404) as they are.
 */
export async function* streamOverWebSocket(conn: Connection, taskId: string, after: number, signal?: AbortSignal): AsyncGenerator<TaskEvent> {
  const items: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item) => {
    items.push(item);
    wake?.();
  };
  const socket = new WebSocket(webSocketUrl(conn.target.url), {
    headers: { authorization: `Bearer ${conn.target.token}`, "user-agent": USER_AGENT },
    handshakeTimeout: 30_000,
    perMessageDeflate: false,
  });
  let watchdog: NodeJS.Timeout | undefined;
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => socket.terminate(), SILENCE_MS);
  };
  const lost = (why: string) => new CliError(`Lost the connection to ${conn.target.url} (${why})`, EXIT.unreachable, "unreachable");
  let ended = false;

  socket.once("unexpected-response", (_req, res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => (body += chunk));
    res.on("end", () => {
      if (res.statusCode === 404 || res.statusCode === 405 || res.statusCode === 426) return push({ error: new NoWebSocket(`no WebSocket at ${conn.target.url} (${res.statusCode})`) });
      const detail = parse(body)?.error as { code?: string; message?: string; details?: unknown } | undefined;
      push({ error: errorForStatus(res.statusCode ?? 502, detail?.code ?? `http_${res.statusCode}`, detail?.message ?? `The node answered ${res.statusCode}`, detail?.details) });
    });
    res.on("error", (error) => push({ error: unreachable(conn.target.url, error) }));
  });
  socket.on("error", (error) => push({ error: socket.readyState === WebSocket.CONNECTING ? unreachable(conn.target.url, error) : lost(error.message) }));
  socket.on("open", () => {
    alive();
    socket.send(JSON.stringify({ type: "hello", protocol: PROTOCOL, client: USER_AGENT }));
  });
  socket.on("ping", alive);
  socket.on("message", (data) => {
    alive();
    const frame = parse(data.toString()) as Frame | undefined;
    if (!frame) return;
    if (frame.type === "welcome") socket.send(JSON.stringify({ type: "subscribe", id: "follow", task_id: taskId, after }));
    else if (frame.type === "event" && frame.task_id === taskId) push({ event: frame.event as TaskEvent });
    else if (frame.type === "ended" && frame.task_id === taskId) {
      ended = true;
      push(frame.reason === "finished" ? { done: true } : { error: lost("the node's stream of the task broke") });
    } else if (frame.type === "error" && (frame.id === "follow" || frame.id === null)) {
      const { status, error } = frame as unknown as { status: number; error: { code: string; message: string; details?: unknown } };
      push({ error: errorForStatus(status, error.code, error.message, error.details) });
    }
  });
  socket.on("close", (code, reason) => {
    clearTimeout(watchdog);
    if (ended) return;
    const final = FINAL_CLOSES[code];
    push({ error: final ? new CliError(`${final.why} (${reason.toString() || code})`, final.exit, final.exit === EXIT.auth ? "unauthenticated" : "failed") : lost(`closed ${code}${reason.length ? ` ${reason.toString()}` : ""}`) });
  });
  const onAbort = () => push({ done: true });
  signal?.addEventListener("abort", onAbort, { once: true });

  try {
    for (;;) {
      const item = items.shift();
      if (!item) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if ("error" in item) throw item.error;
      if ("done" in item) return;
      yield item.event;
    }
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onAbort);
    ended = true;
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, "done");
    else socket.terminate();
  }
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
