import { createPolicy, createPolicySchema, listPolicies, listPoliciesQuery } from "@/lib/security/policies";
import { route } from "@/lib/transport/http/handler";

/** Agent- and skill-level allow/deny rules (filters: kind, target). */
export const GET = route({
  permission: "admin:system",
  query: listPoliciesQuery,
  handler: async ({ db, query }) => ({ policies: await listPolicies(db, query) }),
});

export const POST = route({
  permission: "admin:system",
  body: createPolicySchema,
  status: 201,
  handler: async ({ ctx, db, body }) => createPolicy(db, ctx, body),
});
