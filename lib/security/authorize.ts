import { getDatabase } from "../db";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import type { AuthContext } from "./context";
import type { Permission } from "./permissions";

/** Throw 403 unless the caller holds the permission; a refusal is audited. */
export async function authorize(ctx: AuthContext, permission: Permission): Promise<void> {
  if (ctx.permissions.has(permission)) return;
  const { db } = await getDatabase();
  await recordAudit(db, {
    eventType: "permission.denied",
    action: permission,
    outcome: "denied",
    actorUserId: ctx.user.id,
    sessionId: ctx.session?.id,
    deviceId: ctx.session?.deviceId,
    ip: ctx.ip,
    details: { permission, via: ctx.via },
  });
  throw new AppError("forbidden", `This needs the ${permission} permission`, { permission });
}
