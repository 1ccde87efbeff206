import { z } from "zod";
import { listApiTokens } from "@/lib/security/api-tokens";
import { route } from "@/lib/transport/http/handler";

/** Everyone's API tokens (metadata only), optionally one user's. */
export const GET = route({
  permission: "admin:users",
  query: z.object({ user_id: z.string().uuid().optional(), include_revoked: z.enum(["true", "false"]).optional() }),
  handler: async ({ db, query }) => ({ tokens: await listApiTokens(db, { userId: query.user_id, includeRevoked: query.include_revoked === "true" }) }),
});
