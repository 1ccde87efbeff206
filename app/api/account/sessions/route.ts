import { z } from "zod";
import { listSessions } from "@/lib/security/runtime-sessions";
import { route } from "@/lib/transport/http/handler";

/** The caller's runtime sessions (live ones unless include_ended=true). */
export const GET = route({
  query: z.object({ include_ended: z.enum(["true", "false"]).optional() }),
  handler: async ({ ctx, db, query }) => ({ sessions: await listSessions(db, { userId: ctx.user.id, includeEnded: query.include_ended === "true" }) }),
});
