import { z } from "zod";
import { revokeApiToken } from "@/lib/security/api-tokens";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Revoke anyone's token. */
export const DELETE = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ token: await revokeApiToken(db, ctx, params.id, { asAdmin: true }) }),
});
