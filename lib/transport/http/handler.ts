import { randomUUID } from "node:crypto";
import { z, type ZodType } from "zod";
import { getDatabase, type Database } from "../../db";
import { AppError, isAppError } from "../../errors";
import { log } from "../../log";
import type { AuthContext } from "../../security/context";
import type { Permission } from "../../security/permissions";
import { authenticate } from "../../security/authenticate";
import { authorize } from "../../security/authorize";
import { databaseErrorToAppError } from "./db-errors";

const MAX_JSON_BYTES = 1_048_576;

export interface HandlerInput<P, Q, B> {
  req: Request;
  ctx: AuthContext;
  params: P;
  query: Q;
  body: B;
  db: Database;
  requestId: string;
}

export interface RouteSpec<P, Q, B> {
  /** Permission checked before the handler runs; object-level checks happen in lib/. */
  permission?: Permission;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** Status for a plain (non-Response) result; default 200. */
  status?: number;
  handler: (input: HandlerInput<P, Q, B>) => Promise<unknown>;
}

export interface PublicRouteSpec<P, Q, B> extends Omit<RouteSpec<P, Q, B>, "permission" | "handler"> {
  handler: (input: Omit<HandlerInput<P, Q, B>, "ctx"> & { ctx: AuthContext | null }) => Promise<unknown>;
}

type NextRouteContext = { params: Promise<Record<string, string | string[]>> };

/**
 * The one wrapper every API route uses: authenticate (401) → authorise (403) → parse (400/422)
 * → call lib/ → respond. Errors become `{error: {code, message, details}}`, never a stack trace.
 */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(spec: RouteSpec<P, Q, B>) {
  return async (req: Request, context?: NextRouteContext): Promise<Response> =>
    run(req, context, async (requestId, db) => {
      const ctx = await authenticate(req, { db, requestId });
      if (!ctx) throw new AppError("unauthenticated", "Sign in or send Authorization: Bearer <token>");
      // Permission before parsing: callers without it learn nothing about the input schema.
      if (spec.permission) await authorize(ctx, spec.permission);
      const input = await parseInput(req, context, spec, requestId, db);
      return respond(await spec.handler({ ...input, ctx }), spec.status);
    });
}

/** For the few routes open to anyone (health, setup, OpenAPI); authentication is optional. */
export function publicRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: PublicRouteSpec<P, Q, B>,
) {
  return async (req: Request, context?: NextRouteContext): Promise<Response> =>
    run(req, context, async (requestId, db) => {
      const input = await parseInput(req, context, spec, requestId, db);
      const ctx = await authenticate(req, { db, requestId }).catch(() => null);
      return respond(await spec.handler({ ...input, ctx }), spec.status);
    });
}

async function run(
  req: Request,
  _context: NextRouteContext | undefined,
  body: (requestId: string, db: Database) => Promise<Response>,
): Promise<Response> {
  const requestId = requestIdFrom(req);
  const started = performance.now();
  let response: Response;
  try {
    const { db } = await getDatabase();
    response = await body(requestId, db);
  } catch (error) {
    response = errorResponse(error, requestId, req);
  }
  response.headers.set("x-request-id", requestId);
  log.debug({ requestId, method: req.method, path: new URL(req.url).pathname, status: response.status, ms: Math.round(performance.now() - started) }, "request");
  return response;
}

export function errorResponse(error: unknown, requestId: string, req?: Request): Response {
  const appError = isAppError(error) ? error : databaseErrorToAppError(error);
  if (appError) return appError.toResponse(requestId);
  log.error({ requestId, method: req?.method, url: req ? new URL(req.url).pathname : undefined, err: error }, "unhandled error");
  return new AppError("internal", "Something went wrong on the server; the request id identifies it in the logs", { request_id: requestId }).toResponse(requestId);
}

function respond(result: unknown, status = 200): Response {
  if (result instanceof Response) return result;
  if (result === undefined) return new Response(null, { status: 204 });
  return Response.json(result, { status });
}

function requestIdFrom(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
}

async function parseInput<P, Q, B>(
  req: Request,
  context: NextRouteContext | undefined,
  spec: { params?: ZodType<P>; query?: ZodType<Q>; body?: ZodType<B> },
  requestId: string,
  db: Database,
): Promise<Omit<HandlerInput<P, Q, B>, "ctx">> {
  const rawParams = context ? await context.params : {};
  const params = spec.params ? parseWith(spec.params, rawParams, "bad_request", "Invalid path parameter") : (rawParams as P);
  const url = new URL(req.url);
  const rawQuery = Object.fromEntries(url.searchParams.entries());
  const query = spec.query ? parseWith(spec.query, rawQuery, "bad_request", "Invalid query parameter") : (rawQuery as Q);
  const body = spec.body ? parseWith(spec.body, await readJson(req), "validation_failed", "Request body is invalid") : (undefined as B);
  return { req, params, query, body, db, requestId };
}

function parseWith<T>(schema: ZodType<T>, value: unknown, code: "bad_request" | "validation_failed", message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(code, message, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    });
  }
  return parsed.data;
}

/** Read a JSON body with a size limit; an empty body reads as {} so optional-only schemas pass. */
export async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw new AppError("payload_too_large", `Body exceeds ${MAX_JSON_BYTES} bytes`);
  if (text.trim() === "") return {};
  if (type && !type.includes("json")) throw new AppError("unsupported_media_type", "Send the body as application/json");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Body is not valid JSON");
  }
}

/** Common parameter schemas. */
export const uuidParam = z.string().uuid({ message: "must be a UUID" });
