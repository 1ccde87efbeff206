import { z } from "zod";
import { permissionSchema, setGrant } from "@/lib/security/users-admin";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Grant one extra permission on top of the user's role: `{"permission": "agent:configure"}`. */
export const POST = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam }),
  body: z.object({ permission: permissionSchema }).strict(),
  handler: async ({ ctx, db, params, body }) => setGrant(db, ctx, params.id, body.permission, true),
});
