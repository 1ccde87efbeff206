import { z } from "zod";
import { operation, type Operation } from "../../operations";
import { RUNTIME_WS_PATH } from "./protocol";
import { webSocketSchemaDocument } from "./schema";

/** Where the protocol's JSON Schema is served, beside the socket itself. */
export const WS_SCHEMA_PATH = `${RUNTIME_WS_PATH}/schema.json`;

/**
 * GET /api/runtime/ws/schema.json: the WebSocket protocol's JSON Schema, for anyone (like
 * /api/openapi.json). It is an HTTP operation that belongs to the WebSocket transport — the
 * registry may not import transports — so the HTTP adapter routes it beside the registry's.
 */
export const webSocketSchemaOperation: Operation = {
  ...operation({
    method: "GET",
    path: WS_SCHEMA_PATH,
    tag: "System",
    summary: "The WebSocket runtime protocol as a JSON Schema (2020-12) document",
    access: "public",
    output: z.record(z.string(), z.unknown()),
    run: async () => webSocketSchemaDocument(),
  }),
  name: "system.webSocketSchema",
} as unknown as Operation;
