import { z } from "zod";
import { approveOwnDevice } from "@/lib/security/devices";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Trust one of your own pending devices by re-entering your password (browser only). */
export const POST = route({
  params: z.object({ id: uuidParam }),
  body: z.object({ password: z.string().min(1).max(1024) }).strict(),
  handler: async ({ ctx, db, params, body }) => ({ device: await approveOwnDevice(db, ctx, params.id, body.password) }),
});
