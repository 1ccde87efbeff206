import { actorOf, recordAudit } from "@/lib/security/audit";
import { verifyAuditChain } from "@/lib/security/audit-verify";
import { route } from "@/lib/transport/http/handler";

/** Re-walk the hash chain; reports the first broken link (seq + reason) if any. */
export const GET = route({
  permission: "admin:system",
  handler: async ({ ctx, db }) => {
    const report = await verifyAuditChain(db);
    await recordAudit(db, { eventType: "resource.accessed", action: "verify_audit_chain", ...actorOf(ctx), resourceType: "audit_chain", details: { ok: report.ok, checked: report.checked, first_broken: report.first_broken } });
    return report;
  },
});
