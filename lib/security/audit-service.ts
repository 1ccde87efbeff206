import type { DbOrTx } from "../db/client";
import { actorOf, recordAudit } from "./audit";
import { assertMayReadSessionActivity, assertMayReadUserActivity } from "./audit-access";
import { auditExportStream, listAuditEvents, type AuditFilter, type AuditPage } from "./audit-query";
import { listCheckpoints, writeCheckpoint } from "./audit-checkpoints";
import { sealAuditChain } from "./audit-seal";
import { verifyAuditTrailAgainstCheckpoints } from "./audit-verify";
import { loadCheckpointKey } from "./checkpoint-key";
import { authorize } from "./authorize";
import type { AuthContext } from "./context";
import { bindSessionFilter } from "./session-binding";

// The audit trail as callers reach it: each function checks who may read, whatever the transport.
// Readers seal on read: every row committed before the call is in the chain (and the answer).

/** Everyone's events (admin:system). */
export async function readAuditTrail(db: DbOrTx, ctx: AuthContext, filter: AuditFilter, page: AuditPage) {
  await authorize(ctx, "admin:system");
  await sealAuditChain(db);
  return listAuditEvents(db, filter, page);
}

/** What one user did: yourself, or anyone for those who may act for others (else 404). */
export async function readUserActivity(db: DbOrTx, ctx: AuthContext, userId: string, filter: AuditFilter, page: AuditPage) {
  assertMayReadUserActivity(ctx, userId);
  // ?session_id= is bound like one in a body: your own session (a session token: itself).
  const sessionId = await bindSessionFilter(db, ctx, filter.session_id);
  await sealAuditChain(db);
  return listAuditEvents(db, { ...filter, user_id: userId, session_id: sessionId }, page);
}

/** What happened in one runtime session: its owner, or those who may act for others (else 404). */
export async function readSessionActivity(db: DbOrTx, ctx: AuthContext, sessionId: string, filter: AuditFilter, page: AuditPage) {
  await assertMayReadSessionActivity(db, ctx, sessionId);
  await sealAuditChain(db);
  return listAuditEvents(db, { ...filter, session_id: sessionId }, page);
}

/** Re-walk the hash chain against the signed checkpoints (admin:system); the check itself is on the record. */
export async function verifyAuditTrail(db: DbOrTx, ctx: AuthContext) {
  await authorize(ctx, "admin:system");
  await sealAuditChain(db);
  const report = await verifyAuditTrailAgainstCheckpoints(db);
  await recordAudit(db, { eventType: "resource.accessed", action: "verify_audit_chain", ...actorOf(ctx), resourceType: "audit_chain", details: { ok: report.ok, checked: report.checked, first_broken: report.first_broken, checkpoint_seq: report.checkpoint?.seq ?? null } });
  return report;
}

/** Seal what has committed and sign a checkpoint of the head now (admin:system). */
export async function createAuditCheckpoint(db: DbOrTx, ctx: AuthContext) {
  await authorize(ctx, "admin:system");
  await sealAuditChain(db);
  const checkpoint = await writeCheckpoint(db);
  await recordAudit(db, { eventType: "resource.created", action: "audit_checkpoint", ...actorOf(ctx), resourceType: "audit_checkpoint", resourceId: String(checkpoint.seq), details: { seq: checkpoint.seq, hash: checkpoint.hash, key_id: checkpoint.key_id } });
  return checkpoint;
}

/** The stored checkpoints, newest first, with the public key that verifies them (admin:system). */
export async function readAuditCheckpoints(db: DbOrTx, ctx: AuthContext, limit: number) {
  await authorize(ctx, "admin:system");
  const key = loadCheckpointKey({ create: false });
  return { key_id: key?.keyId ?? null, public_key: key?.publicKeyPem ?? null, checkpoints: await listCheckpoints(db, limit) };
}

/** Every matching event as CSV or JSONL (admin:system). Exports leave the system: the fact and the filters are on the record. */
export async function exportAuditTrail(db: DbOrTx, ctx: AuthContext, filter: AuditFilter, format: "csv" | "jsonl"): Promise<ReadableStream<Uint8Array>> {
  await authorize(ctx, "admin:system");
  await sealAuditChain(db);
  await recordAudit(db, { eventType: "resource.accessed", action: "export_audit", ...actorOf(ctx), resourceType: "audit_chain", details: { format, filter } });
  return auditExportStream(db, filter, format);
}
