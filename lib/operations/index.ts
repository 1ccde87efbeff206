import { z } from "zod";
import { accountOperations } from "./account";
import { adminOperations } from "./admin";
import { auditOperations } from "./audit";
import { boardOperations } from "./board";
import { catalogueOperations } from "./catalogue";
import { nodeOperations } from "./nodes";
import { operation, type Operation } from "./define";
import { buildOpenApiDocument } from "./openapi";
import { notifyOperations } from "./notify";
import { runtimeOperations } from "./runtime";
import { sessionOperations } from "./sessions";
import { systemOperations } from "./system";
import { workProductOperations } from "./work-products";

export { Download, EventStream, Reply, operation, type Access, type Call, type CallMeta, type HttpMethod, type Operation, type Outcome, type Scope, type Upload } from "./define";
export { invoke, type RawInput } from "./invoke";
export { toAppError } from "./failures";

const described = {
  ...systemOperations,
  ...runtimeOperations,
  ...sessionOperations,
  ...accountOperations,
  ...auditOperations,
  ...catalogueOperations,
  ...adminOperations,
  ...boardOperations,
  ...workProductOperations,
  ...nodeOperations,
  ...notifyOperations,
};

/**
 * Every operation of the node, by name. Each transport (HTTP today; WebSocket, CLI, Telegram)
 * dispatches these through `invoke`, so the same checks run whichever way a call arrives.
 * The OpenAPI document, the role × operation test matrix and the browser's types derive from it.
 */
export const operations = {
  ...described,
  "system.openapi": operation({
    method: "GET",
    path: "/api/openapi.json",
    tag: "System",
    summary: "This OpenAPI 3.1 document",
    description: "Generated from the operation registry (lib/operations).",
    access: "public",
    output: z.record(z.string(), z.unknown()),
    run: async () => openApiDocument(),
  }),
};

export type Operations = typeof operations;
export type OperationName = keyof Operations;

/** The registry as a list, each operation carrying its name. */
export const operationList: readonly Operation[] = Object.entries(operations).map(([name, op]) => ({ ...(op as unknown as Operation), name }));

const byName = new Map(operationList.map((op) => [op.name, op]));

export function findOperation(name: string): Operation | undefined {
  return byName.get(name);
}

let document: Record<string, unknown> | undefined;

/** The document served at /api/openapi.json (built once per process: the registry is static). */
export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApiDocument(operationList, {
    title: "coderClawLink",
    version: process.env.npm_package_version ?? "0.2.0",
    description:
      "Self-hosted control plane for AI coding agents: the runtime API (/api/runtime), audit, administration, " +
      "and the Phase 1 board API (/api/projects, /api/tasks, /api/agents). JSON is snake_case; errors are " +
      "{error: {code, message, details}}. The same runtime operations are served over a WebSocket at /api/runtime/ws, " +
      "whose frames are described by the JSON Schema at /api/runtime/ws/schema.json.",
  });
  return document;
}
