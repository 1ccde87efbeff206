import { z } from "zod";
import { assertMayReadUserActivity } from "@/lib/security/audit-access";
import { auditListQuery, listAuditEvents } from "@/lib/security/audit-query";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** What one user did: yourself, or anyone with admin:users (others' → 404). */
export const GET = route({
  params: z.object({ user_id: uuidParam }),
  query: auditListQuery,
  handler: async ({ ctx, db, params, query }) => {
    assertMayReadUserActivity(ctx, params.user_id);
    return listAuditEvents(db, { ...query, user_id: params.user_id }, query);
  },
});
