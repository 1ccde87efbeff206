import { listDevices } from "@/lib/security/devices";
import { route } from "@/lib/transport/http/handler";

/** The devices the caller has opened sessions from, with their trust. */
export const GET = route({
  handler: async ({ ctx, db }) => ({ devices: await listDevices(db, { userId: ctx.user.id }) }),
});
