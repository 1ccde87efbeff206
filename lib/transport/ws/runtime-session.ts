import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ZodType } from "zod";
import type { Database } from "../../db/client";
import { AppError } from "../../errors";
import { EventStream, invoke, Reply, toAppError, type CallMeta } from "../../operations";
import type { TaskEventDto } from "../../runtime/schemas";
import type { AuthContext } from "../../security/context";
import { CLOSE } from "./close-codes";
import type { Connection, RawFrame } from "./connection";
import { authenticateToken } from "./credentials";
import type { EventFrames } from "./event-frames";
import { findWsOperation, rawInputOf, renameParamIssues, STREAM_OPERATION, WS_OPERATIONS, type WsOperation } from "./operations";
import { authFrame, errorFrameOf, helloFrame, PROTOCOL_VERSION, requestEnvelope, subscribeInput, SUPPORTED_PROTOCOLS, unsubscribeInput, type RequestId, type WelcomeFrame } from "./protocol";
import { RequestBudget } from "./request-budget";
import { Subscriptions } from "./subscriptions";

/** Per-connection limits of the runtime protocol (on top of the connection's own). */
export interface RuntimeLimits {
  maxSubscriptions: number;
  /** hello (and auth, when the upgrade carried no credential) must arrive within this. */
  handshakeMs: number;
  requestsPerSecond: number;
  requestBurst: number;
  /** Requests being worked on at once; more are refused with rate_limited. */
  maxInFlight: number;
}

export const DEFAULT_RUNTIME_LIMITS: RuntimeLimits = {
  maxSubscriptions: 100,
  handshakeMs: 10_000,
  requestsPerSecond: 20,
  requestBurst: 60,
  maxInFlight: 32,
};

/**
 * Calls `ended` when the credential behind `ctx` stops being valid (revoked, expired, user
 * disabled, role changed); returns the function that stops watching.
 */
export type CredentialWatch = (ctx: AuthContext, ended: (reason: string) => void) => () => void;

export interface RuntimeSessionDeps {
  db: Database;
  /** The base URL the caller reached this node at (for links in answers). */
  origin: (upgrade: IncomingMessage) => string | null;
  frames: EventFrames;
  limits: RuntimeLimits;
  trustProxy: boolean;
  watchCredential: CredentialWatch;
  serverVersion: string;
}

const SUBSCRIPTION_OPS = ["subscribe", "unsubscribe"] as const;
const OPERATION_NAMES = [...Object.keys(WS_OPERATIONS), ...SUBSCRIPTION_OPS];

/**
 * The runtime protocol on one connection: handshake (hello ⇄ welcome, with auth from the upgrade
 * or an `auth` frame), then requests `{type, id, …input}` answered by `result` or `error` with the
 * HTTP API's codes, and task subscriptions streaming `event` frames.
 */
export class RuntimeSession {
  private protocol: number | null = null;
  private welcomed = false;
  private authenticating: RawFrame[] | null = null;
  private inFlight = 0;
  private readonly budget: RequestBudget;
  private readonly subscriptions: Subscriptions;
  private stopWatching: (() => void) | undefined;
  /** Aborted when the socket closes: requests still running see their caller gone. */
  private readonly closed = new AbortController();

  constructor(
    private readonly connection: Connection,
    private readonly upgrade: IncomingMessage,
    private ctx: AuthContext | null,
    private readonly deps: RuntimeSessionDeps,
  ) {
    this.budget = new RequestBudget(deps.limits.requestsPerSecond, deps.limits.requestBurst);
    this.subscriptions = new Subscriptions(connection, deps.frames, deps.limits.maxSubscriptions);
  }

  start(): void {
    const deadline = setTimeout(() => {
      if (!this.welcomed) this.connection.close(CLOSE.handshakeTimeout, this.ctx ? "no hello in time" : "no hello and auth in time");
    }, this.deps.limits.handshakeMs);
    deadline.unref();
    this.connection.onClose(() => {
      clearTimeout(deadline);
      this.closed.abort();
      this.subscriptions.closeAll();
      this.stopWatching?.();
    });
    this.connection.onFrame((frame) => this.receive(frame));
    if (this.ctx) this.watch(this.ctx);
  }

  private receive(frame: RawFrame): void {
    if (this.authenticating) {
      // Frames pipelined behind an auth frame wait for its outcome, in order (bounded).
      if (this.authenticating.length >= this.deps.limits.maxInFlight) return this.connection.reject(new AppError("rate_limited", "Wait for the welcome before sending more"), frame.id);
      this.authenticating.push(frame);
      return;
    }
    if (!this.budget.take()) {
      if (this.budget.refusals > this.deps.limits.requestBurst) return this.connection.close(CLOSE.rateLimited, "request rate exceeded");
      this.connection.send(errorFrameOf(new AppError("rate_limited", "Too many requests on this connection", { retry_after_ms: this.budget.retryAfterMs() }), frame.id));
      return;
    }
    switch (frame.type) {
      case "hello":
        return this.hello(frame);
      case "auth":
        return this.auth(frame);
      case "ping":
        this.connection.send({ type: "pong", ...(frame.id === undefined ? {} : { id: frame.id }) });
        return;
      default:
        return this.request(frame);
    }
  }

  private hello(frame: RawFrame): void {
    const parsed = helloFrame.safeParse(frame);
    if (!parsed.success) return this.connection.reject(invalid("The hello frame is invalid", parsed.error.issues));
    if (this.protocol !== null) return this.connection.reject(new AppError("bad_request", "hello was already sent"));
    if (!(SUPPORTED_PROTOCOLS as readonly number[]).includes(parsed.data.protocol)) {
      this.connection.send(errorFrameOf(new AppError("bad_request", `Protocol version ${parsed.data.protocol} is not supported`, { supported: SUPPORTED_PROTOCOLS }), null));
      return this.connection.close(CLOSE.protocolError, "unsupported protocol version");
    }
    this.protocol = parsed.data.protocol;
    this.welcomeWhenReady();
  }

  private auth(frame: RawFrame): void {
    const parsed = authFrame.safeParse(frame);
    if (!parsed.success) return this.connection.reject(invalid("The auth frame is invalid", parsed.error.issues));
    if (this.ctx) return this.connection.reject(new AppError("bad_request", "This connection is already authenticated"));
    this.authenticating = [];
    authenticateToken(this.deps.db, this.upgrade, parsed.data.token, { trustProxy: this.deps.trustProxy }).then(
      (ctx) => {
        const queued = this.authenticating ?? [];
        this.authenticating = null;
        this.ctx = ctx;
        this.watch(ctx);
        this.welcomeWhenReady();
        for (const next of queued) this.receive(next);
      },
      (error: unknown) => {
        this.authenticating = null;
        this.connection.send(errorFrameOf(toAppError(error, { requestId: randomUUID(), operation: "auth" }), null));
        this.connection.close(CLOSE.unauthenticated, "authentication failed");
      },
    );
  }

  private watch(ctx: AuthContext): void {
    this.stopWatching = this.deps.watchCredential(ctx, (reason) => {
      this.connection.send(errorFrameOf(new AppError("unauthenticated", `The credential ended: ${reason}`, { reason }), null));
      this.connection.close(CLOSE.credentialEnded, `credential ended: ${reason}`);
    });
  }

  private welcomeWhenReady(): void {
    if (this.welcomed || this.protocol === null || !this.ctx) return;
    this.welcomed = true;
    this.connection.send(this.welcome(this.ctx));
  }

  private welcome(ctx: AuthContext): WelcomeFrame {
    const { limits } = this.deps;
    return {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      server: { name: "coderclawlink", version: this.deps.serverVersion },
      user: ctx.user,
      via: ctx.via,
      permissions: [...ctx.permissions].sort(),
      session: ctx.session ? { session_id: ctx.session.id, device_id: ctx.session.deviceId, trust: ctx.session.trust } : null,
      operations: OPERATION_NAMES,
      limits: {
        max_subscriptions: limits.maxSubscriptions,
        max_frame_bytes: this.connection.limits.maxFrameBytes,
        requests_per_second: limits.requestsPerSecond,
        request_burst: limits.requestBurst,
        heartbeat_ms: this.connection.limits.heartbeatMs,
      },
    };
  }

  private request(frame: RawFrame): void {
    const envelope = requestEnvelope.safeParse(frame);
    if (!envelope.success) return this.connection.reject(invalid("A request needs a `type` and an `id`", envelope.error.issues), frame.id);
    const { type, id, ...fields } = envelope.data;
    // Well-formed but early: answered, not counted as garbage (the handshake deadline bounds it).
    if (!this.ctx) return void this.connection.send(errorFrameOf(new AppError("unauthenticated", "Send an auth frame (or connect with Authorization: Bearer) first"), id));
    if (!this.welcomed) return void this.connection.send(errorFrameOf(new AppError("bad_request", "Send hello first"), id));
    if (!findWsOperation(type) && !(SUBSCRIPTION_OPS as readonly string[]).includes(type)) {
      return this.connection.reject(new AppError("bad_request", `Unknown frame type "${type}"`, { operations: OPERATION_NAMES }), id);
    }
    if (this.inFlight >= this.deps.limits.maxInFlight) {
      this.connection.send(errorFrameOf(new AppError("rate_limited", `At most ${this.deps.limits.maxInFlight} requests in flight per connection`), id));
      return;
    }
    // Each request is its own request id in the logs and the audit trail.
    const ctx: AuthContext = { ...this.ctx, requestId: randomUUID() };
    this.inFlight++;
    void this.answer(type, id, ctx, fields).finally(() => this.inFlight--);
  }

  private async answer(type: string, id: RequestId, ctx: AuthContext, fields: Record<string, unknown>): Promise<void> {
    let afterResult: (() => void) | undefined;
    const ws = type === "subscribe" ? STREAM_OPERATION : findWsOperation(type);
    try {
      let data: unknown;
      if (type === "subscribe") {
        // The state query checks the permission and the task (404 for someone else's) before anything else is parsed.
        const state = (await this.call(WS_OPERATIONS.state, ctx, { task_id: fields.task_id })) as { state: string; events_count: number };
        const { task_id, after } = parse(subscribeInput, fields);
        afterResult = await this.subscriptions.open(task_id, after, async (signal) => {
          const stream = await this.call(STREAM_OPERATION, ctx, { task_id, after }, signal);
          if (!(stream instanceof EventStream)) throw new Error("the stream operation did not answer an event stream");
          return stream.events as AsyncIterable<TaskEventDto>;
        });
        data = { task_id, after, state: state.state, events_count: state.events_count };
      } else if (type === "unsubscribe") {
        const { task_id } = parse(unsubscribeInput, fields);
        if (!this.subscriptions.close(task_id)) throw new AppError("not_found", "No subscription to this task on this connection");
        data = { task_id, unsubscribed: true };
      } else {
        const outcome = await this.call(ws!, ctx, fields);
        data = outcome instanceof Reply ? outcome.body : (outcome ?? null);
      }
      this.connection.send({ type: "result", id, op: type, data });
      afterResult?.();
    } catch (error) {
      const appError = toAppError(error, { requestId: ctx.requestId, operation: ws?.operation.name });
      this.connection.send(errorFrameOf(ws ? renameParamIssues(ws, appError) : appError, id));
    }
  }

  /** One registry operation through its invoke: the checks HTTP runs, in the same order. */
  private call(ws: WsOperation, ctx: AuthContext, fields: Record<string, unknown>, signal = this.closed.signal) {
    const meta: CallMeta = { requestId: ctx.requestId, ip: this.connection.ip, userAgent: this.connection.userAgent, origin: this.deps.origin(this.upgrade), signal, lastEventId: null };
    return invoke(ws.operation, { ctx, input: rawInputOf(ws, fields), db: this.deps.db, meta });
  }
}

function parse<T>(schema: ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid("The request is invalid", parsed.error.issues, "validation_failed");
  return parsed.data;
}

function invalid(message: string, issues: { path: PropertyKey[]; message: string; code: string }[], code: "bad_request" | "validation_failed" = "bad_request"): AppError {
  return new AppError(code, message, { issues: issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, code: i.code })) });
}
