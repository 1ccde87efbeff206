import { z } from "zod";
import { assertMayReadSessionActivity } from "@/lib/security/audit-access";
import { auditListQuery, listAuditEvents } from "@/lib/security/audit-query";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** What happened in one runtime session: its owner or an admin (others' → 404). */
export const GET = route({
  params: z.object({ session_id: uuidParam }),
  query: auditListQuery,
  handler: async ({ ctx, db, params, query }) => {
    await assertMayReadSessionActivity(db, ctx, params.session_id);
    return listAuditEvents(db, { ...query, session_id: params.session_id }, query);
  },
});
