import { auditListQuery, listAuditEvents } from "@/lib/security/audit-query";
import { route } from "@/lib/transport/http/handler";

/**
 * The audit trail (admin). Filters: user_id, session_id, event_type, resource_type,
 * resource_id, outcome, from, to. Paging: limit (≤ 1000), cursor (= next_cursor), order.
 */
export const GET = route({
  permission: "admin:system",
  query: auditListQuery,
  handler: async ({ db, query }) => listAuditEvents(db, query, query),
});
