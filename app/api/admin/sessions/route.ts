import { z } from "zod";
import { listSessions } from "@/lib/security/runtime-sessions";
import { route } from "@/lib/transport/http/handler";

/** Everyone's runtime sessions (live unless include_ended=true), optionally one user's. */
export const GET = route({
  permission: "admin:users",
  query: z.object({ user_id: z.string().uuid().optional(), include_ended: z.enum(["true", "false"]).optional() }),
  handler: async ({ db, query }) => ({ sessions: await listSessions(db, { userId: query.user_id, includeEnded: query.include_ended === "true", limit: 1000 }) }),
});
