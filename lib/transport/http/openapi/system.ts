import { z } from "zod";
import type { ApiOperation } from "./types";

const healthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  database: z.object({
    kind: z.enum(["pglite", "postgres"]),
    migrations: z.object({ applied: z.number().int(), expected: z.number().int(), up_to_date: z.boolean(), latest: z.string().nullable() }),
  }),
  version: z.string(),
  time: z.string(),
});

/** Liveness and this document. */
export const systemOperations: ApiOperation[] = [
  { method: "GET", path: "/api/health", tag: "System", summary: "Liveness and migration state", access: "public", response: healthResponse },
  {
    method: "GET",
    path: "/api/openapi.json",
    tag: "System",
    summary: "This OpenAPI 3.1 document",
    access: "public",
    response: z.record(z.string(), z.unknown()),
  },
];
