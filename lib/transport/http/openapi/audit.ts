import { z } from "zod";
import { auditFilterSchema, auditListQuery } from "../../../security/audit-query";
import type { ApiOperation } from "./types";

// Query schemas are lib/security's own; the event shape mirrors auditEventJson there.
const auditEvent = z.object({
  id: z.string().uuid(),
  seq: z.number().int(),
  occurred_at: z.string(),
  event_type: z.string(),
  actor_user_id: z.string().uuid().nullable(),
  session_id: z.string().uuid().nullable(),
  device_id: z.string().nullable(),
  ip: z.string().nullable(),
  resource_type: z.string().nullable(),
  resource_id: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(["success", "failure", "denied"]),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});

const auditPage = z.object({ events: z.array(auditEvent), next_cursor: z.string().nullable().describe("The seq to pass as ?cursor= for the next page") });

const chainReport = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  first_broken: z.object({ seq: z.number().int(), reason: z.enum(["seq_gap", "prev_hash_mismatch", "hash_mismatch"]), message: z.string() }).nullable(),
});

export const auditOperations: ApiOperation[] = [
  {
    method: "GET",
    path: "/api/audit/events",
    tag: "Audit",
    summary: "The audit trail, filtered and paged by seq",
    access: "admin:system",
    query: auditListQuery,
    response: auditPage,
  },
  {
    method: "GET",
    path: "/api/audit/users/{user_id}/activity",
    tag: "Audit",
    summary: "What one user did (yourself, or anyone for admins)",
    access: "authenticated",
    params: z.object({ user_id: z.string().uuid() }),
    query: auditListQuery,
    response: auditPage,
  },
  {
    method: "GET",
    path: "/api/audit/sessions/{session_id}/activity",
    tag: "Audit",
    summary: "What happened in one runtime session (its owner or an admin)",
    access: "authenticated",
    params: z.object({ session_id: z.string().uuid() }),
    query: auditListQuery,
    response: auditPage,
  },
  {
    method: "GET",
    path: "/api/audit/verify",
    tag: "Audit",
    summary: "Re-walk the hash chain and report the first broken link",
    access: "admin:system",
    response: chainReport,
  },
  {
    method: "GET",
    path: "/api/audit/export",
    tag: "Audit",
    summary: "Download matching events as CSV or JSON Lines, oldest first",
    access: "admin:system",
    query: z.intersection(auditFilterSchema, z.object({ format: z.enum(["csv", "jsonl"]).default("jsonl") })),
    rawResponse: { contentType: "application/x-ndjson", description: "One event per line (text/csv with format=csv), streamed as an attachment" },
  },
];
