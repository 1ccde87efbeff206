import { getDatabase } from "../db";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import type { AuthContext } from "./context";
import type { Permission } from "./permissions";

/** An object the caller wants to act on, for the ownership check. */
export interface OwnedResource {
  type: string;
  id: string;
  ownerId: string | null;
}

/**
 * Whoever holds admin:users may see and act on other people's objects (sessions, tasks,
 * activity). A session on an untrusted device never holds it.
 */
export function canActForOthers(ctx: AuthContext): boolean {
  return ctx.permissions.has("admin:users");
}

/**
 * Throw 403 unless the caller holds the permission (the refusal is audited). With a resource,
 * also throw 404 unless the caller owns it or may act for others: unknown and forbidden
 * objects look the same from outside.
 */
export async function authorize(ctx: AuthContext, permission: Permission | null, resource?: OwnedResource): Promise<void> {
  if (permission && !ctx.permissions.has(permission)) {
    const { db } = await getDatabase();
    await recordAudit(db, {
      eventType: "permission.denied",
      action: permission,
      outcome: "denied",
      ...actorOf(ctx),
      resourceType: resource?.type ?? null,
      resourceId: resource?.id ?? null,
      details: { permission, via: ctx.via },
    });
    throw new AppError("forbidden", `This needs the ${permission} permission`, { permission });
  }
  if (resource && resource.ownerId !== ctx.user.id && !canActForOthers(ctx)) {
    throw AppError.notFound(resource.type.charAt(0).toUpperCase() + resource.type.slice(1).replace(/_/g, " "));
  }
}
