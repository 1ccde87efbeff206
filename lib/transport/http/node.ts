import type { IncomingMessage, ServerResponse } from "node:http";
import { log } from "../../log";
import { pinClientAddress } from "../../security/client-address";
import { handleApiRequest } from "./adapter";
import { MAX_JSON_BYTES } from "./body";
import { API_SECURITY_HEADERS } from "./headers";
import { writeSseTo } from "./sse";

/** Methods the node answers at all; anything else (TRACE, PROPFIND, …) is a JSON 405 at the door. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const ALLOW = [...METHODS].join(", ");

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface NodeListenerOptions {
  /** Pages, assets and next-auth (/api/auth/*): Next's request handler, when this node serves the portal. */
  next?: NodeHandler;
  /** Answer /api here, ahead of Next (default). In dev Next serves it too, so API code reloads with the pages. */
  api?: boolean;
  /** A trusted reverse proxy sets X-Forwarded-For (TRUST_PROXY). */
  trustProxy: boolean;
  /** host:port of the server, for requests without a Host header. */
  fallbackHost: () => string;
}

/**
 * The node's HTTP request listener (node:http). It first refuses what no route can answer, as a
 * JSON error and without a log line (a flood of them must not flood the log): an unsupported
 * method (405 + Allow; Next answered TRACE with a 500), a request target that is not a path or has
 * a malformed percent-encoding (400; Next: 500 text/plain), and a body declared larger than 1 MiB
 * for Next's routes (413). Then /api/* (except next-auth's) goes to the HTTP adapter, whose body
 * reads stop at the limit while streaming, and everything else to Next.
 */
export function nodeRequestListener(options: NodeListenerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const api = options.api ?? true;
  return (req, res) => {
    pinClientAddress(req, { trustProxy: options.trustProxy });
    const refusal = refuseAtTheDoor(req);
    if (refusal) return sendRefusal(req, res, refusal);
    if (pathOf(req.url!) === "/api") return sendRefusal(req, res, { status: 404, code: "not_found", message: "No API operation at /api; the operations are listed at /api/openapi.json" });
    if (api && servesApiPath(req.url)) return void serveApiRequest(req, res, { fallbackHost: options.fallbackHost(), trustProxy: options.trustProxy });
    if (!options.next) return sendRefusal(req, res, { status: 404, code: "not_found", message: "This node serves only the API" });
    const declared = Number(req.headers["content-length"] ?? "");
    if (Number.isFinite(declared) && declared > MAX_JSON_BYTES) {
      return sendRefusal(req, res, { status: 413, code: "payload_too_large", message: `The body is larger than ${MAX_JSON_BYTES} bytes`, details: { limit_bytes: MAX_JSON_BYTES } });
    }
    void Promise.resolve(options.next(req, res)).catch((error: unknown) => {
      log.error({ err: error, path: pathOf(req.url ?? "") }, "page request failed");
      if (!res.headersSent) sendRefusal(req, res, { status: 500, code: "internal", message: "Something went wrong on the server" });
      else res.destroy();
    });
  };
}

/**
 * What node:http cannot even parse (a garbage request line, an unknown method token, headers too
 * large, a request that took too long): the same JSON error body instead of a bare status line,
 * and the connection closed. Attach with `server.on("clientError", answerClientError)`.
 */
export function answerClientError(error: Error & { code?: string }, socket: import("node:stream").Duplex): void {
  if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
  const [status, code, reason, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "bad_request", "Request Header Fields Too Large", "The request headers are too large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "bad_request", "Request Timeout", "The request took too long to arrive"]
        : [400, "bad_request", "Bad Request", "The request is not valid HTTP"];
  const body = JSON.stringify({ error: { code, message } });
  const head = [`HTTP/1.1 ${status} ${reason}`, "content-type: application/json; charset=utf-8", `content-length: ${Buffer.byteLength(body)}`, "x-content-type-options: nosniff", "connection: close"];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}

interface Refusal {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

function refuseAtTheDoor(req: IncomingMessage): Refusal | null {
  const method = (req.method ?? "").toUpperCase();
  if (!METHODS.has(method)) {
    return { status: 405, code: "method_not_allowed", message: `This server does not support ${method.slice(0, 20)}`, details: { allow: [...METHODS] }, headers: { allow: ALLOW } };
  }
  const target = req.url ?? "";
  if (!target.startsWith("/")) return { status: 400, code: "bad_request", message: "The request target must be a path" };
  try {
    new URL(target, "http://localhost");
    for (const segment of pathOf(target).split("/")) decodeURIComponent(segment);
  } catch {
    return { status: 400, code: "bad_request", message: "The request path is not a valid URL (malformed percent-encoding?)" };
  }
  return null;
}

function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function sendRefusal(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) } });
  discardUnreadBody(req, res);
  res.writeHead(refusal.status, { ...API_SECURITY_HEADERS, ...refusal.headers, "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** How much of a refused body is read and thrown away after the answer, at most, before the connection is closed. */
const DISCARD_LIMIT_BYTES = 4 * 1024 * 1024;
const DISCARD_LIMIT_MS = 5_000;

/**
 * A body left unread (refused before or while reading it: 401, 413, …): after the answer, read and
 * discard a bounded amount of it, so a client still sending gets to read its answer rather than a
 * connection reset; past DISCARD_LIMIT_BYTES or DISCARD_LIMIT_MS the connection is closed, so a
 * 200 MB post costs the node a few MiB of reading, never the whole body.
 */
function discardUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once("finish", () => {
    if (req.complete) return;
    const socket = req.socket;
    const start = socket.bytesRead;
    const started = Date.now();
    // Polled rather than a socket "data" listener: node:http reads the socket natively, and a
    // listener there would change how it reads (and a refused request's own "data" listeners are
    // removed when node:http dumps its body). Every 10 ms: at loopback speed a client sends tens
    // of MiB in 50 ms. Once the body is all read the connection is fine for the next request;
    // past either limit it is cut off.
    const poll = setInterval(() => {
      if (req.complete || socket.destroyed) return clearInterval(poll);
      if (socket.bytesRead - start > DISCARD_LIMIT_BYTES || Date.now() - started > DISCARD_LIMIT_MS) {
        clearInterval(poll);
        socket.destroy();
      }
    }, 10);
    poll.unref();
    req.resume();
  });
}

/**
 * Whether the node's own server answers this path itself rather than handing it to Next: every
 * /api path except next-auth's (/api/auth/*), which is a Next route. The same paths Next's
 * catch-all (app/api/[...path]) would hand to `handleApiRequest` anyway.
 */
export function servesApiPath(url: string | undefined): boolean {
  if (!url?.startsWith("/api/")) return false;
  const pathname = url.split("?", 1)[0]!;
  return pathname !== "/api/auth" && !pathname.startsWith("/api/auth/");
}

export interface NodeApiOptions {
  /** host:port of the server, for requests without a Host header. */
  fallbackHost: string;
  /** Believe X-Forwarded-Proto (TRUST_PROXY); otherwise https only on a TLS socket. */
  trustProxy?: boolean;
}

/**
 * The HTTP adapter on node:http, ahead of Next: the same `handleApiRequest` (routing, auth,
 * checks, operations) Next's catch-all route calls, minus Next's router and response pipe on the
 * hot path (submit, state, streams). JSON answers are written in one piece; a task's SSE stream
 * straight from the event hub to the response (sse.ts); other streams (downloads) chunk by chunk
 * with backpressure. A client that goes away aborts the request's signal and cancels the stream,
 * so its subscription ends.
 */
export async function serveApiRequest(req: IncomingMessage, res: ServerResponse, options: NodeApiOptions): Promise<void> {
  const aborter = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborter.abort();
  });
  // A body read partly (cut off at the size limit) or not at all: discarded, within bounds.
  discardUnreadBody(req, res);
  try {
    const response = await handleApiRequest(toRequest(req, options, aborter.signal));
    await writeResponse(response, res, aborter.signal);
  } catch (error) {
    // handleApiRequest answers every failure itself; this is a broken socket or a bug in the bridge.
    log.error({ err: error, url: req.url }, "could not answer an API request");
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: { code: "internal", message: "Internal error" } }));
    else res.destroy();
  }
}

function toRequest(req: IncomingMessage, options: NodeApiOptions, signal: AbortSignal): Request {
  // req.headers, not rawHeaders: pinClientAddress has already pinned x-forwarded-for in them.
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  // https only on a TLS socket or when a trusted proxy says so: a client's own X-Forwarded-Proto
  // must not choose the cookie name or the origin of the links handed back.
  const forwardedHttps = options.trustProxy === true && String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim() === "https";
  const protocol = forwardedHttps || (req.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http";
  const url = `${protocol}://${req.headers.host || options.fallbackHost}${req.url ?? "/"}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: lazyBody(req), duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * The request body as a web stream that reads only when pulled. A request refused before its body
 * is read (401, 403) leaves it unread, so node:http discards it after the answer; one cut off at
 * the size limit is drained after the answer (see serveApiRequest). Either way the client gets to
 * read its answer instead of a connection reset.
 */
function lazyBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Buffer> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= req.iterator({ destroyOnReturn: false });
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      async cancel() {
        await chunks?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

const STREAMED = /^(text\/event-stream|application\/zip|application\/x-ndjson)|octet-stream/;

async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string | string[]> = { ...API_SECURITY_HEADERS };
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  const type = response.headers.get("content-type") ?? "";
  if (!STREAMED.test(type) && !response.headers.has("content-disposition")) {
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...headers, "content-length": String(body.length) }).end(body);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders();
  // A task's event stream: written from the event hub's loop straight to this response.
  if (writeSseTo(response, res)) return;
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res, signal);
      if (signal.aborted) return;
    }
    res.end();
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
