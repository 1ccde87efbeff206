import { z } from "zod";
import { decideDevice } from "@/lib/security/devices";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Revoke one of your own devices (lost laptop): its sessions end at once. Others' answer 404. */
export const POST = route({
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ device: await decideDevice(db, ctx, params.id, "revoked", { ownerId: ctx.user.id }) }),
});
