import type { DbOrTx } from "../db/client";
import { actorOf, recordAudit } from "./audit";
import { assertMayReadSessionActivity, assertMayReadUserActivity } from "./audit-access";
import { auditExportStream, listAuditEvents, type AuditFilter, type AuditPage } from "./audit-query";
import { verifyAuditChain } from "./audit-verify";
import { authorize } from "./authorize";
import type { AuthContext } from "./context";
import { bindSessionFilter } from "./session-binding";

// The audit trail as callers reach it: each function checks who may read, whatever the transport.

/** Everyone's events (admin:system). */
export async function readAuditTrail(db: DbOrTx, ctx: AuthContext, filter: AuditFilter, page: AuditPage) {
  await authorize(ctx, "admin:system");
  return listAuditEvents(db, filter, page);
}

/** What one user did: yourself, or anyone for those who may act for others (else 404). */
export async function readUserActivity(db: DbOrTx, ctx: AuthContext, userId: string, filter: AuditFilter, page: AuditPage) {
  assertMayReadUserActivity(ctx, userId);
  // ?session_id= is bound like one in a body: your own session (a session token: itself).
  const sessionId = await bindSessionFilter(db, ctx, filter.session_id);
  return listAuditEvents(db, { ...filter, user_id: userId, session_id: sessionId }, page);
}

/** What happened in one runtime session: its owner, or those who may act for others (else 404). */
export async function readSessionActivity(db: DbOrTx, ctx: AuthContext, sessionId: string, filter: AuditFilter, page: AuditPage) {
  await assertMayReadSessionActivity(db, ctx, sessionId);
  return listAuditEvents(db, { ...filter, session_id: sessionId }, page);
}

/** Re-walk the hash chain (admin:system); the check itself is on the record. */
export async function verifyAuditTrail(db: DbOrTx, ctx: AuthContext) {
  await authorize(ctx, "admin:system");
  const report = await verifyAuditChain(db);
  await recordAudit(db, { eventType: "resource.accessed", action: "verify_audit_chain", ...actorOf(ctx), resourceType: "audit_chain", details: { ok: report.ok, checked: report.checked, first_broken: report.first_broken } });
  return report;
}

/** Every matching event as CSV or JSONL (admin:system). Exports leave the system: the fact and the filters are on the record. */
export async function exportAuditTrail(db: DbOrTx, ctx: AuthContext, filter: AuditFilter, format: "csv" | "jsonl"): Promise<ReadableStream<Uint8Array>> {
  await authorize(ctx, "admin:system");
  await recordAudit(db, { eventType: "resource.accessed", action: "export_audit", ...actorOf(ctx), resourceType: "audit_chain", details: { format, filter } });
  return auditExportStream(db, filter, format);
}
