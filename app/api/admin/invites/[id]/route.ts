import { z } from "zod";
import { withdrawInvite } from "@/lib/security/invites";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Withdraw a pending invite; its link stops working. */
export const DELETE = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ invite: await withdrawInvite(db, ctx, params.id) }),
});
