import { z } from "zod";
import { getUser, updateUser, updateUserSchema } from "@/lib/security/users-admin";
import { route, uuidParam } from "@/lib/transport/http/handler";

const params = z.object({ id: uuidParam });

export const GET = route({
  permission: "admin:users",
  params,
  handler: async ({ db, params }) => getUser(db, params.id),
});

/** Change name, role (`role`) or status (`disabled: true|false`); disabling ends the user's sessions. */
export const PATCH = route({
  permission: "admin:users",
  params,
  body: updateUserSchema,
  handler: async ({ ctx, db, params, body }) => updateUser(db, ctx, params.id, body),
});
