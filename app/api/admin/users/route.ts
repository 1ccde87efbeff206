import { createUserAccount, createUserSchema, listUsers, listUsersQuery } from "@/lib/security/users-admin";
import { route } from "@/lib/transport/http/handler";

/** Every account (filters: q, role, status); never a password hash. */
export const GET = route({
  permission: "admin:users",
  query: listUsersQuery,
  handler: async ({ db, query }) => ({ users: await listUsers(db, query) }),
});

/** Create an account with a role and an initial password. */
export const POST = route({
  permission: "admin:users",
  body: createUserSchema,
  status: 201,
  handler: async ({ ctx, db, body }) => createUserAccount(db, ctx, body),
});
