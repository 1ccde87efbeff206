import type { IncomingMessage, ServerResponse } from "node:http";
import { log } from "../../log";
import { handleApiRequest } from "./adapter";

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
}

/**
 * The HTTP adapter on node:http, ahead of Next: the same `handleApiRequest` (routing, auth,
 * checks, operations) Next's catch-all route calls, minus Next's router and response pipe on the
 * hot path (submit, state, streams). JSON answers are written in one piece; streams (SSE,
 * downloads) chunk by chunk with backpressure, and a client that goes away aborts the request's
 * signal and cancels the stream, so its subscription ends.
 */
export async function serveApiRequest(req: IncomingMessage, res: ServerResponse, options: NodeApiOptions): Promise<void> {
  const aborter = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborter.abort();
  });
  // A body read partly (cut off at the size limit) is not discarded by node:http on its own.
  res.once("finish", () => {
    if (!req.complete) req.resume();
  });
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
  // As Next builds the URL it hands route handlers: https only when a proxy says so.
  const protocol = req.headers["x-forwarded-proto"]?.includes("https") ? "https" : "http";
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
  const headers: Record<string, string | string[]> = {};
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
