import { z } from "zod";
import { deleteMemory, getMemory, memoryKeySchema, putMemory } from "@/lib/security/session-memory";
import { route, uuidParam } from "@/lib/transport/http/handler";

const params = z.object({ id: uuidParam, key: memoryKeySchema });

export const GET = route({
  params,
  handler: async ({ ctx, db, params }) => getMemory(db, ctx, params.id, params.key),
});

/** Set a key: body `{"value": <any JSON>}`. */
export const PUT = route({
  params,
  body: z.object({ value: z.unknown() }).strict(),
  handler: async ({ ctx, db, params, body }) => putMemory(db, ctx, params.id, params.key, body.value),
});

export const DELETE = route({
  params,
  handler: async ({ ctx, db, params }) => {
    await deleteMemory(db, ctx, params.id, params.key);
  },
});
