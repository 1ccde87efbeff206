import { z } from "zod";
import { deleteMemory, listMemory } from "@/lib/security/session-memory";
import { route, uuidParam } from "@/lib/transport/http/handler";

const params = z.object({ id: uuidParam });

/** Every key in the session's private memory scope, with usage against the limits. */
export const GET = route({
  params,
  handler: async ({ ctx, db, params }) => listMemory(db, ctx, params.id),
});

/** Clear the session's memory. */
export const DELETE = route({
  params,
  handler: async ({ ctx, db, params }) => {
    await deleteMemory(db, ctx, params.id, null);
  },
});
