import { z } from "zod";
import { listSessions, openSession, openSessionSchema } from "@/lib/security/runtime-sessions";
import { route } from "@/lib/transport/http/handler";

/** Open a runtime session bound to the caller and a device; returns its secret token once. */
export const POST = route({
  body: openSessionSchema,
  status: 201,
  handler: async ({ ctx, db, body }) => openSession(db, ctx, body),
});

/** The caller's own runtime sessions. */
export const GET = route({
  query: z.object({ include_ended: z.enum(["true", "false"]).optional() }),
  handler: async ({ ctx, db, query }) => ({ sessions: await listSessions(db, { userId: ctx.user.id, includeEnded: query.include_ended === "true" }) }),
});
