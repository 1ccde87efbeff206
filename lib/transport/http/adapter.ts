import { randomUUID } from "node:crypto";
import { getDatabase } from "../../db";
import { AppError } from "../../errors";
import { log } from "../../log";
import { Download, EventStream, invoke, operationList, Reply, toAppError, type CallMeta, type Operation, type Outcome, type RawInput } from "../../operations";
import { env } from "../../env";
import { authenticate, type CallerMeta } from "../../security/authenticate";
import { credentialCacheFor } from "../../security/auth-cache";
import { credentialWatcherFor } from "../../security/credential-watch";
import type { AuthContext } from "../../security/context";
import { credentialFromHeaders, refuseCredentialsInUrl } from "../../security/credentials";
import { assertSameOrigin } from "../../security/csrf";
import { clientIp } from "../../security/request-meta";
import { isJsonType, readBody, readJson } from "./body";
import { Router } from "./router";
import { webSocketSchemaOperation } from "../ws/schema-operation";
import { credentialEndedFrame, sseResponse, type StreamEvent } from "./sse";

let router: Router | undefined;

/** The registry's operations, and the WebSocket transport's schema document beside its socket. */
const routed = (): Operation[] => [...operationList, webSocketSchemaOperation];

/**
 * The HTTP transport: a Fetch Request in, a Response out, with no dependency on Next, so the
 * node's own server, Next's catch-all route and tests all serve /api the same way. Every answer
 * is JSON; unknown paths are 404 and unsupported methods 405 with Allow.
 */
export async function handleApiRequest(req: Request): Promise<Response> {
  const requestId = requestIdFrom(req);
  const started = performance.now();
  const method = req.method.toUpperCase();
  let response: Response;
  let name: string | undefined;
  try {
    const pathname = new URL(req.url).pathname;
    const match = (router ??= new Router(routed())).match(method === "HEAD" ? "GET" : method, pathname);
    if (match.kind === "none") throw new AppError("not_found", `No API operation at ${pathname}`);
    if (match.kind === "method") {
      const allow = [...match.allow, ...(match.allow.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
      if (method === "OPTIONS") response = new Response(null, { status: 204, headers: { allow } });
      else throw new AppError("method_not_allowed", `${pathname} does not support ${method}; it supports ${allow}`, { allow: allow.split(", ") }, { allow });
    } else {
      name = match.op.name;
      response = await serve(match.op, req, match.params, requestId);
    }
  } catch (error) {
    response = toAppError(error, { requestId, operation: name }).toResponse(requestId);
  }
  if (method === "HEAD" && response.body) {
    await response.body.cancel().catch(() => undefined);
    response = new Response(null, { status: response.status, headers: response.headers });
  }
  response.headers.set("x-request-id", requestId);
  log.debug({ requestId, method, operation: name, status: response.status, ms: Math.round(performance.now() - started) }, "request");
  return response;
}

/**
 * Serve one operation for a request whose path parameters are already known (the router's,
 * or a test's). Errors become `{error: {code, message, details}}`, never a stack trace.
 */
export async function handleOperation(op: Operation, req: Request, params: Record<string, string>, requestId = requestIdFrom(req)): Promise<Response> {
  try {
    return await serve(op, req, params, requestId);
  } catch (error) {
    return toAppError(error, { requestId, operation: op.name }).toResponse(requestId);
  }
}

async function serve(op: Operation, req: Request, params: Record<string, string>, requestId: string): Promise<Response> {
  const url = new URL(req.url);
  refuseCredentialsInUrl(url.searchParams);
  const handle = await getDatabase();
  const { db } = handle;
  const meta: CallMeta = {
    requestId,
    ip: clientIp(req.headers),
    userAgent: req.headers.get("user-agent"),
    origin: url.origin,
    signal: req.signal,
    lastEventId: req.headers.get("last-event-id"),
  };
  const identify = caller(req, url, { db, credentials: credentialCacheFor(handle), ...meta });
  // Anyone may call a public operation; credentials, if sent, only add who is calling.
  const ctx = op.access === "public" ? await identify.catch(() => null) : await identify;
  const input: RawInput = { params, query: Object.fromEntries(url.searchParams.entries()), body: () => readJson(req) };
  const contentType = req.headers.get("content-type") ?? "";
  if (op.upload && contentType && !isJsonType(contentType)) input.upload = { contentType, read: (limit) => readBody(req, limit) };
  const outcome = await invoke(op, { ctx, input, db, meta });
  const response = outcome instanceof EventStream && ctx ? streamWhileCredentialHolds(outcome, ctx, handle) : toResponse(op, outcome);
  response.headers.set("x-request-id", requestId);
  return response;
}

/** Who sent the request: bearer header or session cookie; a cookie write must come from our own pages. */
async function caller(req: Request, url: URL, meta: CallerMeta): Promise<AuthContext | null> {
  const credential = await credentialFromHeaders(req.headers, { secureCookie: url.protocol === "https:" });
  if (credential?.kind === "browser") assertSameOrigin(req, { trustProxy: env().TRUST_PROXY, appUrl: env().APP_URL, fallbackHost: url.host });
  return authenticate(credential, meta);
}

/**
 * An event stream lasts only as long as the credential that opened it: when the token or session
 * is revoked or expires, the browser session ends or the user is disabled (on any node), the
 * credential watcher stops it within about a second, with a last `error` event saying why.
 */
function streamWhileCredentialHolds(outcome: EventStream, ctx: AuthContext, handle: Awaited<ReturnType<typeof getDatabase>>): Response {
  let ended: string | null = null;
  const unwatch = credentialWatcherFor(handle).watch(ctx, (reason) => {
    ended = reason;
    outcome.stop.abort();
  });
  return sseResponse(outcome.events as AsyncIterable<StreamEvent>, outcome.stop, {
    finished: () => {
      unwatch();
      return ended ? credentialEndedFrame(ended) : null;
    },
  });
}

function toResponse(op: Operation, outcome: Outcome<unknown>): Response {
  if (outcome instanceof EventStream) return sseResponse(outcome.events as AsyncIterable<StreamEvent>, outcome.stop);
  if (outcome instanceof Download) {
    return new Response(outcome.stream, {
      headers: { "content-type": outcome.contentType, "content-disposition": `attachment; filename="${outcome.filename}"`, "cache-control": "no-store" },
    });
  }
  if (outcome instanceof Reply) return Response.json(outcome.body, { status: outcome.init.status ?? op.status ?? 200, headers: outcome.init.headers });
  if (outcome === undefined) return new Response(null, { status: 204 });
  return Response.json(outcome, { status: op.status ?? 200 });
}

function requestIdFrom(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
}
