import { jsonSchemaOf } from "../operations/openapi";
import {
  CLAWLINK_CLOSE_DESCRIPTIONS,
  CLAWLINK_PROTOCOL_VERSION,
  CLAWLINK_WS_PATH,
  nodeAccept,
  nodeAdvertise,
  nodeAuth,
  nodeEnd,
  nodeEvent,
  nodeHello,
  nodePing,
  nodeReject,
  nodeRunning,
  nodeWait,
  portalAck,
  portalAnswer,
  portalAssign,
  portalCancel,
  portalChallenge,
  portalError,
  portalPong,
  portalStatus,
  portalWelcome,
} from "./protocol";

type JsonSchema = Record<string, unknown>;

const NODE_FRAMES = { hello: nodeHello, auth: nodeAuth, advertise: nodeAdvertise, running: nodeRunning, accept: nodeAccept, reject: nodeReject, event: nodeEvent, wait: nodeWait, end: nodeEnd, ping: nodePing };
const PORTAL_FRAMES = { challenge: portalChallenge, welcome: portalWelcome, status: portalStatus, assign: portalAssign, ack: portalAck, answer: portalAnswer, cancel: portalCancel, error: portalError, pong: portalPong };

let cached: JsonSchema | undefined;

/** clawlink v1 as one JSON Schema (2020-12) document, generated from the zod schemas both sides validate with. */
export function clawlinkSchemaDocument(): JsonSchema {
  if (cached) return cached;
  const defs: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(NODE_FRAMES)) defs[`node.${name}`] = jsonSchemaOf(schema, "input");
  for (const [name, schema] of Object.entries(PORTAL_FRAMES)) defs[`portal.${name}`] = jsonSchemaOf(schema, "output");
  const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
  cached = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "clawlink v1: remote nodes ⇄ portal",
    description:
      `A remote node (\`clawlink node\`) dials ${CLAWLINK_WS_PATH} and sends hello; the portal answers with a challenge; the node signs ` +
      "challengeMessage = 'clawlink-v1-auth\\n' + nonce + '\\n' + public_key with its Ed25519 key (auth); the portal answers welcome. " +
      "The node then sends running (what it still runs) and advertise, and reports on assigned runs with event/wait/end frames " +
      "that carry execution_id, attempt and seq; the portal acknowledges each seq (ack) and sends assign/answer/cancel/status. " +
      "Any malformed, unknown or unauthorised frame closes the connection and writes nothing. See docs/clawlink-v1.md.",
    "x-protocol-version": CLAWLINK_PROTOCOL_VERSION,
    "x-path": CLAWLINK_WS_PATH,
    "x-close-codes": CLAWLINK_CLOSE_DESCRIPTIONS,
    $defs: {
      ...defs,
      nodeFrame: { oneOf: Object.keys(NODE_FRAMES).map((n) => ref(`node.${n}`)) },
      portalFrame: { oneOf: Object.keys(PORTAL_FRAMES).map((n) => ref(`portal.${n}`)) },
    },
  };
  return cached;
}
