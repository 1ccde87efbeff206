import { agentOperations } from "./agents";
import { auditOperations } from "./audit";
import { boardOperations } from "./board";
import { runtimeOperations } from "./runtime";
import { accountOperations, adminOperations, onboardingOperations, sessionOperations } from "./security";
import { skillOperations } from "./skills";
import { buildOpenApiDocument } from "./document";
import { systemOperations } from "./system";
import type { ApiOperation } from "./types";

export type { Access, ApiOperation, HttpMethod } from "./types";
export { buildOpenApiDocument, jsonSchemaOf } from "./document";

/**
 * Every documented operation, one module per domain. A route added under app/api without an
 * entry here fails tests/integration/openapi.int.test.ts, which names the missing method and path.
 */
export const apiOperations: readonly ApiOperation[] = [
  ...systemOperations,
  ...onboardingOperations,
  ...sessionOperations,
  ...runtimeOperations,
  ...agentOperations,
  ...auditOperations,
  ...skillOperations,
  ...accountOperations,
  ...adminOperations,
  ...boardOperations,
];

let cached: Record<string, unknown> | undefined;

/** The document served at /api/openapi.json (built once per process: the registry is static). */
export function openApiDocument(): Record<string, unknown> {
  cached ??= buildOpenApiDocument(apiOperations, {
    title: "coderClawLink",
    version: process.env.npm_package_version ?? "0.2.0",
    description:
      "Self-hosted control plane for AI coding agents: the runtime API (/api/runtime), audit, administration, " +
      "and the Phase 1 board API (/api/projects, /api/tasks, /api/agents). JSON is snake_case; errors are " +
      "{error: {code, message, details}}.",
  });
  return cached;
}
