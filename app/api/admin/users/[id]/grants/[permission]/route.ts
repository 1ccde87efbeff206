import { z } from "zod";
import { permissionSchema, setGrant } from "@/lib/security/users-admin";
import { route, uuidParam } from "@/lib/transport/http/handler";

/** Withdraw an extra permission (the role's own permissions are not grants). */
export const DELETE = route({
  permission: "admin:users",
  params: z.object({ id: uuidParam, permission: permissionSchema }),
  handler: async ({ ctx, db, params }) => setGrant(db, ctx, params.id, params.permission, false),
});
