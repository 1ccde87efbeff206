import { z } from "zod";
import { decideDevice } from "@/lib/security/devices";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Trust a device: its sessions get their owner's full permissions from the next request. */
export const POST = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam }),
  handler: async ({ ctx, db, params }) => ({ device: await decideDevice(db, ctx, params.id, "trusted") }),
});
