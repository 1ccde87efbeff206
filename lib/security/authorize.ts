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
 * What an action needs beyond being signed in: a permission, or "trusted" — a credential that
 * may write at all (a browser session, an API token, or a runtime session on a trusted device).
 */
export type Requirement = Permission | "trusted";

/**
 * The one rule for acting on other people's objects (tasks, sessions, devices, tokens,
 * activity): the admin:users permission, from the session's narrowed permissions, so a session
 * on a device that is not trusted never has it, whatever its user's role.
 */
export function canActForOthers(ctx: AuthContext): boolean {
  return ctx.permissions.has("admin:users");
}

/** Whether the credential may change anything: not a runtime session on a pending or revoked device. */
export function hasTrustedCredential(ctx: AuthContext): boolean {
  return !ctx.session || ctx.session.trust === "trusted";
}

// Permissions are already narrowed for untrusted devices (narrowForDevice), so they need no second look.
function meets(ctx: AuthContext, requirement: Requirement): boolean {
  return requirement === "trusted" ? hasTrustedCredential(ctx) : ctx.permissions.has(requirement);
}

/**
 * Throw 403 unless the caller meets the requirement (the refusal is audited). With a resource,
 * also throw 404 unless the caller owns it or may act for others: unknown and forbidden objects
 * look the same from outside. Every service function calls this for its own check, so no
 * transport can reach one without it.
 */
export async function authorize(ctx: AuthContext, requirement: Requirement | null, resource?: OwnedResource): Promise<void> {
  if (requirement && !meets(ctx, requirement)) {
    const { db } = await getDatabase();
    await recordAudit(db, {
      eventType: "permission.denied",
      action: requirement,
      outcome: "denied",
      ...actorOf(ctx),
      resourceType: resource?.type ?? null,
      resourceId: resource?.id ?? null,
      details: { permission: requirement, via: ctx.via },
    });
    if (requirement === "trusted") throw new AppError("forbidden", "A session on a device that is not trusted may only read; ask an administrator to approve the device", { reason: "device_not_trusted" });
    throw new AppError("forbidden", `This needs the ${requirement} permission`, { permission: requirement });
  }
  if (resource && resource.ownerId !== ctx.user.id && !canActForOthers(ctx)) {
    throw AppError.notFound(resource.type.charAt(0).toUpperCase() + resource.type.slice(1).replace(/_/g, " "));
  }
}
