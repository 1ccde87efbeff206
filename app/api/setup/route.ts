import { getDatabase } from "@/lib/db";
import { clientIp } from "@/lib/security/request-meta";
import { completeSetup, setupInputSchema } from "@/lib/security/setup";
import { publicRoute } from "@/lib/transport/http/handler";

/** First-run: the printed one-time link creates the admin account. */
export const POST = publicRoute({
  body: setupInputSchema,
  status: 201,
  handler: async ({ body, req }) => {
    const { db } = await getDatabase();
    const admin = await completeSetup(db, body, { ip: clientIp(req) });
    return { user: { id: admin.id, email: admin.email, name: admin.name, role: admin.role } };
  },
});
