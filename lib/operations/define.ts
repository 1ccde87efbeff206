import type { z, ZodType } from "zod";
import type { Database } from "../db/client";
import type { AuditEventType } from "../security/audit";
import type { AuthContext } from "../security/context";
import type { Permission } from "../security/permissions";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call an operation, checked by `invoke` before the input is parsed: anyone ("public"),
 * any signed-in caller ("signed-in"), a signed-in caller whose credential may write ("trusted":
 * not a session on a pending device; self-service writes), or holders of one permission. The
 * service the operation calls checks the same requirement itself.
 */
export type Access = "public" | "signed-in" | "trusted" | Permission;

/**
 * How an operation treats other people's objects. "own": the caller's own objects only; someone
 * else's answer 404 unless `canActForOthers(ctx)`. "any": the permission alone decides.
 */
export type Scope = "own" | "any";

/** Facts about the call that are not input: who is on the other end and how to stop. */
export interface CallMeta {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The base URL the caller reached this node at (for links handed back), when known. */
  origin: string | null;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  /** Where a reconnecting event-stream reader left off (SSE's Last-Event-ID), when given. */
  lastEventId: string | null;
}

/** A non-JSON request body (an upload), read on demand with a byte limit. */
export interface Upload {
  contentType: string;
  read(limitBytes: number): Promise<Buffer>;
}

type Parsed<S> = S extends ZodType ? z.output<S> : undefined;
type Produced<S> = S extends ZodType ? z.input<S> : unknown;

export interface Call<A extends Access, P, Q, B> {
  ctx: A extends "public" ? AuthContext | null : AuthContext;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** Set instead of `body` when the caller sent one of the operation's `upload` content types. */
  upload?: Upload;
  db: Database;
  meta: CallMeta;
}

/** A result with transport hints: a status other than the operation's default, extra headers. */
export class Reply<T = unknown> {
  constructor(
    readonly body: T,
    readonly init: { status?: number; headers?: Record<string, string> } = {},
  ) {}
}

/** A live sequence of events (SSE over HTTP, frames over a socket); `stop` ends it early. */
export class EventStream<T = unknown> {
  constructor(
    readonly events: AsyncIterable<T>,
    readonly stop: AbortController,
  ) {}
}

/** A file to hand over as it is produced (exports). */
export class Download {
  constructor(
    readonly stream: ReadableStream<Uint8Array>,
    readonly contentType: string,
    readonly filename: string,
  ) {}
}

export type Outcome<O> = Produced<O> | Reply<Produced<O>> | EventStream | Download | undefined;

/** One operation, declared once; every transport, the OpenAPI document and the test matrix derive from it. */
export interface OperationSpec<A extends Access = Access, P = unknown, Q = unknown, B = unknown, O = unknown> {
  method: HttpMethod;
  /** OpenAPI form: /api/projects/{id}. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: A;
  /** Default "any"; documented as x-scope. */
  scope?: Scope;
  /** Audit event types a successful call writes (documented as x-audit). */
  audits?: readonly AuditEventType[];
  params?: P;
  query?: Q;
  body?: B;
  /** Non-JSON request bodies accepted beside (or instead of) `body`. */
  upload?: { contentTypes: readonly string[]; description: string };
  /** The success body; omitted: 204 No Content (or the `stream` below). */
  output?: O;
  /** Success status; default 200 (204 without output). */
  status?: number;
  /** Other success statuses with the same body, and when they happen. */
  alsoSucceeds?: Record<number, string>;
  /** A non-JSON success (event stream, download). */
  stream?: { contentType: string; description: string };
  responseHeaders?: Record<string, string>;
  /** Error statuses beyond those implied by access, params and body. */
  errors?: readonly number[];
  run(call: Call<A, P, Q, B>): Promise<Outcome<O>>;
}

export type Operation = OperationSpec<Access, ZodType | undefined, ZodType | undefined, ZodType | undefined, ZodType | undefined> & { name: string };

/** Declare one operation; the types of `run`'s input and result follow from its schemas. */
export function operation<A extends Access, P extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined, B extends ZodType | undefined = undefined, O extends ZodType | undefined = undefined>(
  spec: OperationSpec<A, P, Q, B, O>,
): OperationSpec<A, P, Q, B, O> {
  return spec;
}
