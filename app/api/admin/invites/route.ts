import { createInvite, createInviteSchema, listInvites } from "@/lib/security/invites";
import { route } from "@/lib/transport/http/handler";

export const GET = route({
  permission: "admin:users",
  handler: async ({ db }) => ({ invites: await listInvites(db) }),
});

/** Invite someone with a role; the one-time link (token in its #fragment) is shown once. */
export const POST = route({
  permission: "admin:users",
  body: createInviteSchema,
  status: 201,
  handler: async ({ ctx, db, body, req }) => createInvite(db, ctx, body, process.env.APP_URL ?? new URL(req.url).origin),
});
