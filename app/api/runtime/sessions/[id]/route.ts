import { z } from "zod";
import { getSession, revokeSession } from "@/lib/security/runtime-sessions";
import { route, uuidParam } from "@/lib/transport/http/handler";

const params = z.object({ id: uuidParam });

/** One session: the caller's own, or anyone's for admins; otherwise 404. */
export const GET = route({
  params,
  handler: async ({ ctx, db, params }) => getSession(db, ctx, params.id),
});

/** End a session at once (owner or admin). */
export const DELETE = route({
  params,
  handler: async ({ ctx, db, params }) => {
    await revokeSession(db, ctx, params.id);
  },
});
