import { acceptInvite, acceptInviteSchema } from "@/lib/security/invites";
import { clientIp } from "@/lib/security/request-meta";
import { publicRoute } from "@/lib/transport/http/handler";

/** Open to anyone holding an invite token: creates the account once; then sign in as usual. */
export const POST = publicRoute({
  body: acceptInviteSchema,
  status: 201,
  handler: async ({ db, body, req }) => ({ user: await acceptInvite(db, body, { ip: clientIp(req) }) }),
});
