import { z } from "zod";
import { auditFilterSchema, auditListQuery } from "../security/audit-query";
import { createAuditCheckpoint, exportAuditTrail, readAuditCheckpoints, readAuditTrail, readSessionActivity, readUserActivity, verifyAuditTrail } from "../security/audit-service";
import { Download, operation } from "./define";
import { auditPageSchema, chainReportSchema, checkpointListSchema, checkpointSchema } from "./shapes/audit";

const TAG = "Audit";
const uuid = z.string().uuid({ message: "must be a UUID" });
const exportQuery = z.intersection(auditFilterSchema, z.object({ format: z.enum(["csv", "jsonl"]).default("jsonl") }));

/** The append-only audit trail: reading, exporting and verifying its hash chain. */
export const auditOperations = {
  "audit.events": operation({
    method: "GET",
    path: "/api/audit/events",
    tag: TAG,
    summary: "The audit trail, filtered and paged by seq",
    description: "Filters: user_id, session_id, event_type, resource_type, resource_id, outcome, from, to. Paging: limit (≤ 1000), cursor (= next_cursor), order.",
    access: "admin:system",
    query: auditListQuery,
    output: auditPageSchema,
    run: ({ ctx, db, query }) => readAuditTrail(db, ctx, query, query),
  }),
  "audit.userActivity": operation({
    method: "GET",
    path: "/api/audit/users/{user_id}/activity",
    tag: TAG,
    summary: "What one user did (yourself, or anyone for those who may act for others)",
    access: "signed-in",
    scope: "own",
    params: z.object({ user_id: uuid }),
    query: auditListQuery,
    output: auditPageSchema,
    run: ({ ctx, db, params, query }) => readUserActivity(db, ctx, params.user_id, query, query),
  }),
  "audit.sessionActivity": operation({
    method: "GET",
    path: "/api/audit/sessions/{session_id}/activity",
    tag: TAG,
    summary: "What happened in one runtime session (its owner, or those who may act for others)",
    access: "signed-in",
    scope: "own",
    params: z.object({ session_id: uuid }),
    query: auditListQuery,
    output: auditPageSchema,
    run: ({ ctx, db, params, query }) => readSessionActivity(db, ctx, params.session_id, query, query),
  }),
  "audit.verify": operation({
    method: "GET",
    path: "/api/audit/verify",
    tag: TAG,
    summary: "Re-walk the hash chain against the signed checkpoints and report the first broken link",
    description: "Seals what has committed first. Detects altered, removed or re-hashed rows, and (against the newest checkpoint signed by this node's key) rewritten chains and tail truncation.",
    access: "admin:system",
    audits: ["resource.accessed"],
    output: chainReportSchema,
    run: ({ ctx, db }) => verifyAuditTrail(db, ctx),
  }),
  "audit.checkpoints": operation({
    method: "GET",
    path: "/api/audit/checkpoints",
    tag: TAG,
    summary: "Signed checkpoints of the chain, newest first, with the public key that verifies them",
    access: "admin:system",
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    output: checkpointListSchema,
    run: ({ ctx, db, query }) => readAuditCheckpoints(db, ctx, query.limit),
  }),
  "audit.checkpoint": operation({
    method: "POST",
    path: "/api/audit/checkpoints",
    tag: TAG,
    summary: "Seal what has committed and sign a checkpoint of the chain head now",
    access: "admin:system",
    audits: ["resource.created"],
    status: 201,
    output: checkpointSchema,
    run: ({ ctx, db }) => createAuditCheckpoint(db, ctx),
  }),
  "audit.export": operation({
    method: "GET",
    path: "/api/audit/export",
    tag: TAG,
    summary: "Download matching events as CSV or JSON Lines, oldest first",
    description: "?format=csv|jsonl plus the list filters; streamed as an attachment.",
    access: "admin:system",
    audits: ["resource.accessed"],
    query: exportQuery,
    stream: { contentType: "application/x-ndjson", description: "One event per line (text/csv with format=csv), streamed as an attachment" },
    run: async ({ ctx, db, query }) => {
      const { format, ...filter } = query;
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const type = format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
      return new Download(await exportAuditTrail(db, ctx, filter, format), type, `audit-${stamp}.${format}`);
    },
  }),
};
