import { z } from "zod";
import { ERROR_STATUS, type AppError } from "../../errors";
import { taskEventSchema, taskStateSchema } from "../../runtime/schemas";

/**
 * The runtime protocol over WebSocket (`GET /api/runtime/ws`), version 1: JSON text frames, each
 * an object with a `type`. The server validates every client frame with these schemas, and the
 * published JSON Schema (GET /api/runtime/ws/schema.json) is generated from them.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOLS = [PROTOCOL_VERSION] as const;
export const RUNTIME_WS_PATH = "/api/runtime/ws";

const uuid = z.string().uuid({ message: "must be a UUID" });

/** Chosen by the client, echoed on the answer: a short string or a non-negative integer. */
export const requestIdSchema = z.union([z.string().min(1).max(64), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]).describe("chosen by the client; echoed on the result or error");
export type RequestId = z.infer<typeof requestIdSchema>;

// ---- client → server ----

export const helloFrame = z
  .object({
    type: z.literal("hello"),
    protocol: z.number().int().min(1).describe("the protocol version the client speaks"),
    client: z.string().max(200).optional().describe("free text, e.g. clawlink/0.2.0"),
  })
  .strict();

export const authFrame = z
  .object({
    type: z.literal("auth"),
    token: z.string().min(1).max(1000).describe("an API token (ccl_pat_…) or a runtime session token (ccl_ses_…)"),
  })
  .strict()
  .describe("The credential, when the upgrade carried no Authorization header or session cookie. Never put a token in the URL.");

export const pingFrame = z.object({ type: z.literal("ping"), id: requestIdSchema.optional() }).strict().describe("Application-level ping (browsers cannot send protocol pings); answered with pong.");

export const subscribeInput = z
  .object({
    task_id: uuid,
    after: z.number().int().min(0).default(0).describe("resume after this seq: the events the client already has are not sent again"),
  })
  .strict();

export const unsubscribeInput = z.object({ task_id: uuid }).strict();

/** Every request: `{type: <operation>, id, …input}`; the input fields sit beside type and id. */
export const requestEnvelope = z.object({ type: z.string().min(1).max(50), id: requestIdSchema }).passthrough();

// ---- server → client ----

export const welcomeFrame = z.object({
  type: z.literal("welcome"),
  protocol: z.number().int(),
  server: z.object({ name: z.literal("coderclawlink"), version: z.string() }),
  user: z.object({ id: uuid, email: z.string(), name: z.string().nullable(), role: z.string() }),
  via: z.string().describe("how the caller proved who they are: browser, api_token or runtime_session"),
  permissions: z.array(z.string()),
  session: z.object({ session_id: uuid, device_id: z.string(), trust: z.string() }).nullable(),
  operations: z.array(z.string()),
  limits: z.object({
    max_subscriptions: z.number().int(),
    max_frame_bytes: z.number().int(),
    requests_per_second: z.number(),
    request_burst: z.number().int(),
    heartbeat_ms: z.number().int(),
  }),
});
export type WelcomeFrame = z.infer<typeof welcomeFrame>;

export const resultFrame = z.object({ type: z.literal("result"), id: requestIdSchema, op: z.string(), data: z.unknown() });

export const errorFrame = z.object({
  type: z.literal("error"),
  id: requestIdSchema.nullable().describe("the request's id; null when the frame could not be read"),
  status: z.number().int().describe("the HTTP status the same error has on the HTTP API"),
  error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]), message: z.string(), details: z.unknown().optional() }),
});

export const eventFrame = z.object({
  type: z.literal("event"),
  task_id: uuid,
  seq: z.number().int().describe("the event's position in the task's log (1, 2, 3 …): resume with subscribe {after: seq}"),
  event: taskEventSchema,
});

export const endedFrame = z.object({
  type: z.literal("ended"),
  task_id: uuid,
  reason: z.enum(["finished", "error"]).describe("finished: the terminal state event was sent; error: the stream broke, subscribe again with after"),
  last_seq: z.number().int(),
  state: taskStateSchema.nullable(),
});

export const pongFrame = z.object({ type: z.literal("pong"), id: requestIdSchema.optional() });

export function errorFrameOf(error: AppError, id: unknown): z.infer<typeof errorFrame> {
  const parsedId = requestIdSchema.safeParse(id);
  return { type: "error", id: parsedId.success ? parsedId.data : null, status: error.status, error: error.toBody().error };
}
