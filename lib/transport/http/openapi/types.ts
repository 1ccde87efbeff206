import type { ZodType } from "zod";
import type { Permission } from "../../../security/permissions";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call an operation: a permission checked by the route wrapper, any signed-in caller
 * (objects are then scoped to their owner in lib/), or anyone.
 */
export type Access = Permission | "authenticated" | "public";

/** One documented route + method. Each domain module exports a list of these. */
export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI form: /api/projects/{id}. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  /** Non-JSON request bodies (uploads), offered alongside `body` when both are given. */
  rawBody?: { contentTypes: string[]; description: string };
  /** Success status; default 200 (204 when there is no response schema). */
  status?: number;
  response?: ZodType;
  /** Other success statuses with the same body, and when they happen. */
  alsoSucceeds?: Record<number, string>;
  /** Non-JSON success responses (SSE, CSV, NDJSON). */
  rawResponse?: { contentType: string; description: string };
  responseHeaders?: Record<string, string>;
  /** Statuses beyond the ones implied by access/params/body (404, 409, 429 …). */
  errors?: number[];
}
