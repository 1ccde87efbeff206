import { z } from "zod";
import { actorOf, recordAudit } from "@/lib/security/audit";
import { auditExportStream, auditFilterSchema } from "@/lib/security/audit-query";
import { route } from "@/lib/transport/http/handler";

const query = z.intersection(auditFilterSchema, z.object({ format: z.enum(["csv", "jsonl"]).default("jsonl") }));

/** Download every matching event, oldest first, streamed: ?format=csv|jsonl plus the list filters. */
export const GET = route({
  permission: "admin:system",
  query,
  handler: async ({ ctx, db, query }) => {
    const { format, ...filter } = query;
    // Exports leave the system: the fact and the filters are themselves on the record.
    await recordAudit(db, { eventType: "resource.accessed", action: "export_audit", ...actorOf(ctx), resourceType: "audit_chain", details: { format, filter } });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(auditExportStream(db, filter, format), {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="audit-${stamp}.${format}"`,
        "cache-control": "no-store",
      },
    });
  },
});
