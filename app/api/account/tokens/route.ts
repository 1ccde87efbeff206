import { z } from "zod";
import { createApiToken, createTokenSchema, listApiTokens } from "@/lib/security/api-tokens";
import { route } from "@/lib/transport/http/handler";

/** The caller's own API tokens (never their secrets or hashes). */
export const GET = route({
  query: z.object({ include_revoked: z.enum(["true", "false"]).optional() }),
  handler: async ({ ctx, db, query }) => ({ tokens: await listApiTokens(db, { userId: ctx.user.id, includeRevoked: query.include_revoked === "true" }) }),
});

/** Create a token; the response is the only time its secret is shown. */
export const POST = route({
  body: createTokenSchema,
  status: 201,
  handler: async ({ ctx, db, body }) => createApiToken(db, ctx, body),
});
