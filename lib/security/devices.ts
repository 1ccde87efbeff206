import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import { devices, runtimeSessions, users, type Device, type DeviceTrust } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { announceCredentialsChanged } from "./credential-notices";
import { checkSignIn, rateLimitedError } from "./sign-in";

export function deviceJson(d: Device, owner?: { email: string; name: string | null }) {
  return {
    id: d.id,
    device_id: d.deviceId,
    user_id: d.userId,
    ...(owner ? { user_email: owner.email, user_name: owner.name } : {}),
    name: d.name,
    trust: d.trust,
    first_seen_at: d.firstSeenAt.toISOString(),
    last_seen_at: d.lastSeenAt.toISOString(),
    last_ip: d.lastIp,
    user_agent: d.userAgent,
    decided_by: d.decidedBy,
    decided_at: d.decidedAt?.toISOString() ?? null,
  };
}

/** Record that the user's client `deviceId` was seen now; the first sighting creates it as pending. */
export async function touchDevice(
  tx: DbOrTx,
  input: { userId: string; deviceId: string; name?: string | null; ip: string | null; userAgent: string | null },
): Promise<Device> {
  const at = now();
  const [row] = await tx
    .insert(devices)
    .values({ userId: input.userId, deviceId: input.deviceId, name: input.name ?? null, lastIp: input.ip, userAgent: input.userAgent, firstSeenAt: at, lastSeenAt: at })
    .onConflictDoUpdate({
      target: [devices.userId, devices.deviceId],
      set: {
        lastSeenAt: at,
        lastIp: input.ip,
        userAgent: input.userAgent,
        name: sql`coalesce(excluded.name, ${devices.name})`,
      },
    })
    .returning();
  return row;
}

/** Devices, pending first (they are the ones waiting for someone), then most recently seen: the caller's own, or anyone's with admin:users. */
export async function listDevices(db: DbOrTx, ctx: AuthContext, opts: { userId?: string; trust?: DeviceTrust; limit?: number }) {
  if (opts.userId !== ctx.user.id) await authorize(ctx, "admin:users");
  const rows = await db
    .select({ device: devices, email: users.email, name: users.name })
    .from(devices)
    .innerJoin(users, eq(users.id, devices.userId))
    .where(and(opts.userId ? eq(devices.userId, opts.userId) : undefined, opts.trust ? eq(devices.trust, opts.trust) : undefined))
    .orderBy(asc(sql`case when ${devices.trust} = 'pending' then 0 else 1 end`), desc(devices.lastSeenAt))
    .limit(opts.limit ?? 500);
  return rows.map((r) => deviceJson(r.device, { email: r.email, name: r.name }));
}

export async function countPendingDevices(db: DbOrTx, ctx: AuthContext): Promise<number> {
  await authorize(ctx, "admin:users");
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(devices).where(eq(devices.trust, "pending"));
  return row?.n ?? 0;
}

/**
 * An admin approves (trusted) or revokes a device; with `ownerId`, only that user's device
 * matches (people revoking their own). Revoking ends every live session on it in the same
 * transaction, so no request after the commit can use them.
 */
export async function decideDevice(db: Database, ctx: AuthContext, devicePk: string, trust: "trusted" | "revoked", scope: { ownerId?: string } = {}) {
  // Owners may only revoke their own, and only from a credential that may write (never from a pending device).
  const own = scope.ownerId !== undefined && scope.ownerId === ctx.user.id && trust === "revoked";
  await authorize(ctx, own ? "trusted" : "admin:users");
  return db.transaction(async (tx) => {
    const at = now();
    const [device] = await tx
      .update(devices)
      .set({ trust, decidedBy: ctx.user.id, decidedAt: at })
      .where(scope.ownerId ? and(eq(devices.id, devicePk), eq(devices.userId, scope.ownerId)) : eq(devices.id, devicePk))
      .returning();
    if (!device) throw AppError.notFound("Device");
    const ended =
      trust === "revoked"
        ? await tx
            .update(runtimeSessions)
            .set({ endedAt: at, endedReason: "device_revoked" })
            .where(and(eq(runtimeSessions.devicePk, devicePk), isNull(runtimeSessions.endedAt)))
            .returning({ id: runtimeSessions.id })
        : [];
    // Revoked: its sessions end everywhere. Approved: nodes forget the read-only trust they remember (auth-cache.ts).
    await announceCredentialsChanged(tx);
    await recordAudit(tx, {
      eventType: trust === "trusted" ? "device.approved" : "device.revoked",
      action: trust === "trusted" ? "approve_device" : "revoke_device",
      ...actorOf(ctx),
      resourceType: "device",
      resourceId: device.id,
      details: { device_id: device.deviceId, owner_user_id: device.userId, sessions_ended: ended.map((s) => s.id) },
    });
    return { ...deviceJson(device), sessions_ended: ended.length };
  });
}

/**
 * A user trusts one of their own devices by re-entering their password in the browser. The
 * password check goes through the sign-in path, so it is throttled and audited like a sign-in.
 * A revoked device stays revoked: only an admin can reverse that. The approval is one
 * conditional UPDATE (pending → trusted), so an admin's revoke that lands first always wins,
 * however the two requests interleave.
 */
export async function approveOwnDevice(db: Database, ctx: AuthContext, devicePk: string, password: string) {
  if (ctx.via !== "browser") throw new AppError("forbidden", "Approve your device from the browser, signed in with your password");
  const own = and(eq(devices.id, devicePk), eq(devices.userId, ctx.user.id));
  const [device] = await db.select().from(devices).where(own).limit(1);
  if (!device) throw AppError.notFound("Device");
  if (device.trust === "revoked") throw revokedByAdmin();
  const check = await checkSignIn(db, { email: ctx.user.email, password, ip: ctx.ip });
  if (!check.ok) {
    if (check.reason === "rate_limited") throw rateLimitedError(check.retryAfterSeconds);
    throw new AppError("forbidden", "The password is not correct");
  }
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(devices)
      .set({ trust: "trusted", decidedBy: ctx.user.id, decidedAt: now() })
      .where(and(own, eq(devices.trust, "pending")))
      .returning();
    if (!updated) {
      // Decided meanwhile: already trusted is fine; revoked (by an admin or the owner) stays revoked.
      const [current] = await tx.select().from(devices).where(own).limit(1);
      if (!current) throw AppError.notFound("Device");
      if (current.trust === "revoked") throw revokedByAdmin();
      return deviceJson(current);
    }
    // Nodes forget the read-only trust they remember for its sessions (auth-cache.ts).
    await announceCredentialsChanged(tx);
    await recordAudit(tx, {
      eventType: "device.approved",
      action: "approve_own_device",
      ...actorOf(ctx),
      resourceType: "device",
      resourceId: devicePk,
      details: { device_id: device.deviceId, owner_user_id: ctx.user.id, by: "owner" },
    });
    return deviceJson(updated);
  });
}

function revokedByAdmin(): AppError {
  return new AppError("invalid_state", "This device was revoked; ask an administrator to restore it");
}
