import { z, type ZodType } from "zod";
import { jsonSchemaOf } from "../../operations/openapi";
import { CLOSE_DESCRIPTIONS } from "./close-codes";
import { DEFAULT_CONNECTION_LIMITS } from "./limits";
import { WS_OPERATIONS, wsInputParts, type WsOperation } from "./operations";
import { authFrame, endedFrame, errorFrame, eventFrame, helloFrame, pingFrame, pongFrame, PROTOCOL_VERSION, requestIdSchema, RUNTIME_WS_PATH, subscribeInput, unsubscribeInput, welcomeFrame } from "./protocol";
import { DEFAULT_RUNTIME_LIMITS } from "./runtime-session";

type JsonSchema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });

/** A request frame: `{type: <name>, id}` beside the operation's own input fields. */
function requestSchema(name: string, input: JsonSchema[], summary: string): JsonSchema {
  const envelope = z.object({ type: z.literal(name), id: requestIdSchema });
  return { description: summary, allOf: [jsonSchemaOf(envelope, "input"), ...input] };
}

/**
 * A registry operation's input as the socket takes it. Query fields are described by their URL
 * form; the socket also takes them as JSON (a list as an array, a flag as a boolean, a number),
 * written the way a URL would carry them, so each also admits that JSON form.
 */
function operationInput(ws: WsOperation): JsonSchema[] {
  const { fields, queryFields, body } = wsInputParts(ws);
  const json = jsonSchemaOf(fields, "input") as JsonSchema & { properties?: Record<string, JsonSchema> };
  for (const field of queryFields) {
    const property = json.properties?.[field];
    if (property) json.properties![field] = { anyOf: [property, ...jsonFormsOf(property)] };
  }
  const parts = Object.keys(json.properties ?? {}).length || !body ? [json] : [];
  return body ? [...parts, jsonSchemaOf(body, "input")] : parts;
}

function jsonFormsOf(property: JsonSchema): JsonSchema[] {
  const values = property.enum as unknown[] | undefined;
  if (values?.includes("true")) return [{ type: "boolean" }];
  if (property.type === "string" && !values) return [{ type: "array", items: { type: "string" }, description: "sent as a comma-separated list" }];
  if (property.type === "integer" || property.type === "number") return [{ type: "string", pattern: "^[0-9]+$" }];
  return [];
}

function resultSchema(name: string, output: ZodType | undefined): JsonSchema {
  return jsonSchemaOf(z.object({ type: z.literal("result"), id: requestIdSchema, op: z.literal(name), data: output ?? z.unknown() }), "output");
}

const SUBSCRIPTION_REQUESTS = {
  subscribe: {
    summary: "Follow a task's log: events after `after`, then live ones, until its terminal state (then `ended`). Any number of tasks per socket, up to the limit.",
    input: subscribeInput,
    output: z.object({ task_id: z.string().uuid(), after: z.number().int(), state: z.string(), events_count: z.number().int() }),
  },
  unsubscribe: { summary: "Stop following a task.", input: unsubscribeInput, output: z.object({ task_id: z.string().uuid(), unsubscribed: z.literal(true) }) },
};

let cached: JsonSchema | undefined;

/**
 * The protocol as one JSON Schema (2020-12) document, generated from the zod schemas the server
 * validates frames with: every client frame, every server frame, each operation's input and
 * result, the close codes and the default limits.
 */
export function webSocketSchemaDocument(): JsonSchema {
  if (cached) return cached;
  const defs: Record<string, JsonSchema> = {
    hello: jsonSchemaOf(helloFrame, "input"),
    auth: jsonSchemaOf(authFrame, "input"),
    ping: jsonSchemaOf(pingFrame, "input"),
    welcome: jsonSchemaOf(welcomeFrame, "output"),
    error: jsonSchemaOf(errorFrame, "output"),
    event: jsonSchemaOf(eventFrame, "output"),
    ended: jsonSchemaOf(endedFrame, "output"),
    pong: jsonSchemaOf(pongFrame, "output"),
  };
  const operations = Object.entries(WS_OPERATIONS).map(([name, ws]) => {
    const { method, path, summary, output } = ws.operation;
    return [name, { summary: `${summary} (the registry's ${ws.operation.name}, ${method} ${path})`, input: operationInput(ws), output }] as const;
  });
  const requests = [...operations, ...Object.entries(SUBSCRIPTION_REQUESTS)];
  for (const [name, op] of requests) {
    defs[`request.${name}`] = requestSchema(name, Array.isArray(op.input) ? op.input : [jsonSchemaOf(op.input, "input")], op.summary);
    defs[`result.${name}`] = resultSchema(name, op.output);
  }
  cached = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "coderClawLink runtime protocol over WebSocket",
    description:
      `Connect to ${RUNTIME_WS_PATH} with Authorization: Bearer <token> (or send an auth frame first; the portal's cookie works from its own origin). ` +
      "Send hello; after the welcome, send requests {type, id, …input} and get a result or an error with the HTTP API's codes. " +
      "Subscriptions stream event frames {task_id, seq, event}. Every frame is a JSON text frame.",
    "x-protocol-version": PROTOCOL_VERSION,
    "x-path": RUNTIME_WS_PATH,
    "x-close-codes": CLOSE_DESCRIPTIONS,
    "x-default-limits": { ...DEFAULT_CONNECTION_LIMITS, ...DEFAULT_RUNTIME_LIMITS },
    $defs: {
      ...defs,
      clientFrame: { oneOf: [ref("hello"), ref("auth"), ref("ping"), ...requests.map(([name]) => ref(`request.${name}`))] },
      serverFrame: { oneOf: [ref("welcome"), ref("error"), ref("event"), ref("ended"), ref("pong"), ...requests.map(([name]) => ref(`result.${name}`))] },
    },
  };
  return cached;
}
