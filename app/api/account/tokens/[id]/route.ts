import { z } from "zod";
import { revokeApiToken } from "@/lib/security/api-tokens";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Revoke one of the caller's tokens; it stops working at once. */
export const DELETE = route({
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ token: await revokeApiToken(db, ctx, params.id) }),
});
