import { z } from "zod";
import { deletePolicy, updatePolicy, updatePolicySchema } from "@/lib/security/policies";
import { route, uuidParam } from "@/lib/transport/http/handler";

const params = z.object({ id: uuidParam });

/** Flip a rule between allow and deny. */
export const PATCH = route({
  permission: "admin:system",
  params,
  body: updatePolicySchema,
  handler: async ({ ctx, db, params, body }) => updatePolicy(db, ctx, params.id, body),
});

export const DELETE = route({
  permission: "admin:system",
  params,
  handler: async ({ ctx, db, params }) => {
    await deletePolicy(db, ctx, params.id);
  },
});
