import { z } from "zod";
import { decideDevice } from "@/lib/security/devices";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Revoke a device: every session on it ends in the same transaction. */
export const POST = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ device: await decideDevice(db, ctx, params.id, "revoked") }),
});
