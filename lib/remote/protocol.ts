import { z } from "zod";

/**
 * clawlink v1: the wire protocol between the portal and `clawlink node` (remote nodes), over a
 * WebSocket at /api/runtime/nodes/ws. JSON text frames, each an object with a `type`. Unlike the
 * CoderClaw relay there is no frame that calls an arbitrary method: the portal assigns tasks, the
 * node reports on them. Every task frame carries the execution id, the attempt (the portal's claim
 * fence) and, for what the node reports, a seq (1, 2, 3 … per attempt) so redelivery after a
 * reconnect is idempotent: the portal applies each seq once and acknowledges it.
 * Both sides validate every frame with these schemas; the JSON Schema document is generated from them.
 */
export const CLAWLINK_PROTOCOL_VERSION = 1;
export const CLAWLINK_WS_PATH = "/api/runtime/nodes/ws";

/** What the node signs to answer the challenge: binds the nonce to this protocol and this key. */
export function challengeMessage(nonce: string, publicKey: string): Buffer {
  return Buffer.from(`clawlink-v1-auth\n${nonce}\n${publicKey}`, "utf8");
}

const uuid = z.string().uuid({ message: "must be a UUID" });
const attempt = z.number().int().min(1).describe("the portal's claim fence for this run; frames of another attempt are stale");
const seq = z.number().int().min(1).describe("this report's position in the attempt's stream (1, 2, 3 …): the portal applies each once, in order");
export const nodeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, "1–63 letters, digits, '.', '_' or '-', starting with a letter or digit");
export const labelSchema = z.string().regex(/^[a-z0-9][a-z0-9._:-]{0,62}$/i, "1–63 letters, digits, '.', '_', ':' or '-'");
const taskRef = { execution_id: uuid, attempt };

export const advertisedAgentSchema = z
  .object({
    agent_type: z.string().min(1).max(100),
    available: z.boolean(),
    reason: z.string().max(2000).nullable(),
    version: z.string().max(200).nullable(),
  })
  .strict();
export const advertisedSkillSchema = z.object({ name: z.string().min(1).max(100), description: z.string().max(2000) }).strict();

// ---- node → portal ----

export const nodeHello = z
  .object({
    type: z.literal("hello"),
    protocol: z.number().int().min(1),
    node: z
      .object({
        name: nodeNameSchema,
        public_key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a raw Ed25519 public key, base64url (43 characters)"),
        version: z.string().max(50),
        labels: z.array(labelSchema).max(32).default([]),
        concurrency: z.number().int().min(1).max(256),
      })
      .strict(),
    enrolment_token: z.string().min(1).max(200).optional().describe("a one-time token made in the portal: the node is approved on first connect"),
  })
  .strict();

export const nodeAuth = z
  .object({ type: z.literal("auth"), signature: z.string().min(1).max(200).describe("Ed25519 signature (base64url) of challengeMessage(nonce, public_key)") })
  .strict();

export const nodeAdvertise = z
  .object({ type: z.literal("advertise"), agents: z.array(advertisedAgentSchema).max(200), skills: z.array(advertisedSkillSchema).max(1000) })
  .strict()
  .describe("What the node can run, with probe results; sent after welcome and whenever it changes");

export const nodeRunning = z
  .object({
    type: z.literal("running"),
    tasks: z
      .array(z.object({ ...taskRef, waiting_seq: seq.nullable().describe("the seq of the wait it is blocked on, if any") }).strict())
      .max(256),
  })
  .strict()
  .describe("Sent once after every welcome: the runs the node still has. The portal adopts them or tells the node to drop them");

export const nodeAccept = z.object({ type: z.literal("accept"), ...taskRef }).strict().describe("The node started the assigned run");

export const nodeReject = z
  .object({ type: z.literal("reject"), ...taskRef, code: z.enum(["agent_unavailable", "planning_failed", "busy"]), message: z.string().max(4000) })
  .strict()
  .describe("The node cannot run the assigned task");

export const nodeEventBody = z
  .object({
    type: z.enum(["output", "message", "tool_call", "tool_result", "progress", "usage", "error", "output_lost"]),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

export const nodeEvent = z.object({ type: z.literal("event"), ...taskRef, seq, event: nodeEventBody }).strict().describe("One event of the agent's run");

export const nodeWait = z
  .object({
    type: z.literal("wait"),
    ...taskRef,
    seq,
    question: z
      .object({
        kind: z.enum(["approval", "question"]),
        prompt: z.string().max(100_000),
        tool: z.object({ name: z.string().max(200), input: z.unknown().optional() }).strict().optional(),
        options: z.array(z.string().max(500)).max(50).optional(),
      })
      .strict(),
  })
  .strict()
  .describe("The agent asks a person (approval.request): the task becomes WAITING until someone answers anywhere");

export const nodeEnd = z
  .object({
    type: z.literal("end"),
    ...taskRef,
    seq,
    outcome: z.enum(["completed", "failed", "cancelled"]),
    result: z.object({ output: z.string().max(1_000_000), data: z.record(z.string(), z.unknown()).optional() }).strict().optional(),
    error: z.object({ code: z.enum(["agent_error", "timeout", "node_stopped"]), message: z.string().max(4000) }).strict().optional(),
  })
  .strict()
  .describe("The explicit terminal frame of a run");

export const nodePing = z.object({ type: z.literal("ping") }).strict();

export const nodeFrame = z.discriminatedUnion("type", [nodeHello, nodeAuth, nodeAdvertise, nodeRunning, nodeAccept, nodeReject, nodeEvent, nodeWait, nodeEnd, nodePing]);
export type NodeFrame = z.infer<typeof nodeFrame>;
export type NodeTaskReport = z.infer<typeof nodeEvent> | z.infer<typeof nodeWait> | z.infer<typeof nodeEnd>;

// ---- portal → node ----

export const portalChallenge = z.object({ type: z.literal("challenge"), protocol: z.number().int(), nonce: z.string() });

export const nodeStatusSchema = z.enum(["pending", "approved", "draining"]);

export const portalWelcome = z.object({
  type: z.literal("welcome"),
  protocol: z.number().int(),
  server: z.object({ name: z.literal("coderclawlink"), version: z.string() }),
  node_id: uuid,
  fingerprint: z.string(),
  status: nodeStatusSchema.describe("pending: connected but runs nothing until an admin approves; draining: finishes its runs, gets no new ones"),
  lease_ms: z.number().int().describe("how long the node may stay away before its runs fail node_lost"),
});

export const portalStatus = z.object({ type: z.literal("status"), status: nodeStatusSchema });

export const portalAssign = z.object({
  type: z.literal("assign"),
  ...taskRef,
  agent_type: z.string(),
  prompt: z.string(),
  context: z.record(z.string(), z.unknown()),
  skills: z.array(z.string()),
  timeout_ms: z.number().int().nullable().describe("what remains of the task's wall-clock limit"),
  replay_answers: z
    .array(z.object({ approved: z.boolean().optional(), text: z.string().optional(), answered_by: z.string() }))
    .describe("a resumed run's earlier answers, in order: its first questions are answered from these"),
});

export const portalAck = z.object({ type: z.literal("ack"), ...taskRef, seq: z.number().int().min(0).describe("every report up to this seq is applied: drop them from the buffer") });

export const portalAnswer = z.object({
  type: z.literal("answer"),
  ...taskRef,
  wait_seq: seq,
  answer: z.object({ approved: z.boolean().optional(), text: z.string().optional(), answered_by: z.string() }),
});

export const portalCancel = z.object({
  type: z.literal("cancel"),
  ...taskRef,
  reason: z.enum(["cancelled", "timeout", "gone"]).describe("cancelled/timeout: stop and send end; gone: the portal no longer has this run (ended or re-assigned): stop and forget it"),
});

export const portalError = z.object({ type: z.literal("error"), code: z.string(), message: z.string() });
export const portalPong = z.object({ type: z.literal("pong") });

export const portalFrame = z.discriminatedUnion("type", [portalChallenge, portalWelcome, portalStatus, portalAssign, portalAck, portalAnswer, portalCancel, portalError, portalPong]);
export type PortalFrame = z.infer<typeof portalFrame>;
export type AssignFrame = z.infer<typeof portalAssign>;

/** Close codes of clawlink v1 (shared with the runtime protocol where the meaning is the same). */
export const CLAWLINK_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 4000,
  unauthenticated: 4001,
  revoked: 4002,
  handshakeTimeout: 4003,
  /** A frame about a run this node was not given: it writes nothing and ends the connection. */
  unauthorisedFrame: 4006,
  /** The same node connected again elsewhere: this older connection is closed. */
  replaced: 4007,
} as const;

export const CLAWLINK_CLOSE_DESCRIPTIONS: Record<number, string> = {
  1000: "normal closure",
  1001: "the portal is shutting down: reconnect (with backoff) and resume",
  4000: "protocol error: a malformed or unknown frame, or an unsupported protocol version; nothing was written",
  4001: "authentication failed: bad signature, unknown enrolment token, or the name belongs to another key",
  4002: "the node was revoked: it can run nothing; do not reconnect",
  4003: "handshake timeout: no hello/auth in time",
  4006: "a frame about a run this node was not assigned; nothing was written",
  4007: "the node connected again on another connection; this one is closed",
};
