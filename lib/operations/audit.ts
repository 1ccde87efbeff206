import { z } from "zod";
import { actorOf, recordAudit } from "../security/audit";
import { assertMayReadSessionActivity, assertMayReadUserActivity } from "../security/audit-access";
import { auditExportStream, auditFilterSchema, auditListQuery, listAuditEvents } from "../security/audit-query";
import { verifyAuditChain } from "../security/audit-verify";
import { bindSessionFilter } from "../security/session-binding";
import { Download, operation } from "./define";
import { auditPageSchema, chainReportSchema } from "./shapes/audit";

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
    run: ({ db, query }) => listAuditEvents(db, query, query),
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
    run: async ({ ctx, db, params, query }) => {
      assertMayReadUserActivity(ctx, params.user_id);
      // ?session_id= is bound like one in a body: your own session (a session token: itself).
      const sessionId = await bindSessionFilter(db, ctx, query.session_id);
      return listAuditEvents(db, { ...query, user_id: params.user_id, session_id: sessionId }, query);
    },
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
    run: async ({ ctx, db, params, query }) => {
      await assertMayReadSessionActivity(db, ctx, params.session_id);
      return listAuditEvents(db, { ...query, session_id: params.session_id }, query);
    },
  }),
  "audit.verify": operation({
    method: "GET",
    path: "/api/audit/verify",
    tag: TAG,
    summary: "Re-walk the hash chain and report the first broken link",
    access: "admin:system",
    audits: ["resource.accessed"],
    output: chainReportSchema,
    run: async ({ ctx, db }) => {
      const report = await verifyAuditChain(db);
      await recordAudit(db, { eventType: "resource.accessed", action: "verify_audit_chain", ...actorOf(ctx), resourceType: "audit_chain", details: { ok: report.ok, checked: report.checked, first_broken: report.first_broken } });
      return report;
    },
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
      // Exports leave the system: the fact and the filters are themselves on the record.
      await recordAudit(db, { eventType: "resource.accessed", action: "export_audit", ...actorOf(ctx), resourceType: "audit_chain", details: { format, filter } });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const type = format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
      return new Download(auditExportStream(db, filter, format), type, `audit-${stamp}.${format}`);
    },
  }),
};
