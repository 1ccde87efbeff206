import { z } from "zod";
import { countPendingDevices, listDevices } from "@/lib/security/devices";
import { route } from "@/lib/transport/http/handler";

/** Every user's devices, pending first; `pending_count` feeds the nav badge. */
export const GET = route({
  permission: "admin:users",
  query: z.object({ trust: z.enum(["pending", "trusted", "revoked"]).optional(), user_id: z.string().uuid().optional() }),
  handler: async ({ db, query }) => ({
    devices: await listDevices(db, { trust: query.trust, userId: query.user_id }),
    pending_count: await countPendingDevices(db),
  }),
});
