import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { devices, runtimeSessions } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { touchDevice } from "./devices";
import { narrowForDevice } from "./permissions";
import { countLiveSessions, countPendingDevicesOf, lockUserQuotas, quotaExceeded, userQuotas } from "./quotas";
import { SESSION_IDLE_TTL_MS, SESSION_TOKEN_PREFIX } from "./runtime-sessions";
import { hashSecret, newSecret } from "./tokens";

const deviceIdSchema = z.string().trim().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export const openSessionSchema = z
  .object({
    /** The seeds' clients name themselves: it must be the caller (their id or email), never someone else. */
    user_id: z.string().trim().min(1).max(254).optional(),
    /** The client's own device identifier; absent, the credential's default device is used. */
    device_id: deviceIdSchema.optional(),
    device_name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type OpenSessionInput = z.infer<typeof openSessionSchema>;

/**
 * The device a client gets when it names none: one per credential, stable across calls, so a
 * script that never sends device_id shows up as one pending device, not one per run.
 */
export function defaultDevice(ctx: AuthContext): { deviceId: string; name: string } {
  if (ctx.apiTokenId) return { deviceId: `token:${ctx.apiTokenId}`, name: "Default device of an API token" };
  if (ctx.browserSessionId) return { deviceId: `browser:${ctx.browserSessionId}`, name: "Default device of a browser sign-in" };
  return { deviceId: `user:${ctx.user.id}`, name: "Default device" };
}

/**
 * Open a runtime session for the caller on `device_id`. A session token cannot open further
 * sessions (that would let a pending device hop to a new device id); a revoked device cannot
 * open any. Live sessions and pending devices per user are capped (MAX_SESSIONS_PER_USER,
 * MAX_PENDING_DEVICES_PER_USER); the counts and the insert share one per-user lock, so
 * concurrent requests cannot overshoot.
 */
export async function openSession(db: Database, ctx: AuthContext, input: OpenSessionInput) {
  if (ctx.via === "runtime_session") {
    throw new AppError("forbidden", "Open a runtime session with an API token or the browser, not with another session's token");
  }
  if (input.user_id !== undefined) await assertNamesCaller(db, ctx, input.user_id);
  const fallback = input.device_id ? null : defaultDevice(ctx);
  const deviceId = input.device_id ?? fallback!.deviceId;
  const deviceName = input.device_name ?? fallback?.name;
  const secret = newSecret(SESSION_TOKEN_PREFIX);
  const outcome = await db.transaction(async (tx) => {
    await lockUserQuotas(tx, ctx.user.id);
    const refusal = await admissionRefusal(tx, ctx, deviceId);
    if (refusal) {
      await recordAudit(tx, {
        eventType: "permission.denied",
        action: "open_session",
        outcome: "denied",
        ...actorOf(ctx),
        deviceId,
        resourceType: "device",
        resourceId: refusal.devicePk,
        details: { reason: refusal.reason },
      });
      return { refused: refusal.error };
    }
    const device = await touchDevice(tx, { userId: ctx.user.id, deviceId, name: deviceName, ip: ctx.ip, userAgent: ctx.userAgent });
    const at = now();
    const [session] = await tx
      .insert(runtimeSessions)
      .values({
        userId: ctx.user.id,
        devicePk: device.id,
        tokenHash: hashSecret(secret),
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        createdAt: at,
        lastActiveAt: at,
        expiresAt: new Date(at.getTime() + SESSION_IDLE_TTL_MS),
      })
      .returning();
    await recordAudit(tx, {
      eventType: "session.created",
      action: "open_session",
      ...actorOf(ctx),
      sessionId: session.id,
      deviceId: device.deviceId,
      resourceType: "session",
      resourceId: session.id,
      details: { device_trust: device.trust, via: ctx.via, ...(fallback ? { default_device: true } : {}) },
    });
    return { session, device };
  });
  if ("refused" in outcome) throw outcome.refused;
  const { session, device } = outcome;
  return {
    session_id: session.id,
    session_token: secret,
    user_id: session.userId,
    device: { device_id: device.deviceId, name: device.name, trust: device.trust },
    permissions: [...narrowForDevice(ctx.permissions, device.trust)].sort(),
    created_at: session.createdAt.toISOString(),
    last_active_at: session.lastActiveAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
  };
}

/** Why this session may not open (revoked device, a quota), or null. Runs under the user's quota lock. */
async function admissionRefusal(tx: DbOrTx, ctx: AuthContext, deviceId: string): Promise<{ error: AppError; reason: string; devicePk: string | null } | null> {
  const [known] = await tx
    .select({ id: devices.id, trust: devices.trust })
    .from(devices)
    .where(and(eq(devices.userId, ctx.user.id), eq(devices.deviceId, deviceId)))
    .limit(1);
  if (known?.trust === "revoked") {
    // Still a sighting worth recording for the admins' device list.
    await touchDevice(tx, { userId: ctx.user.id, deviceId, ip: ctx.ip, userAgent: ctx.userAgent });
    return { error: new AppError("forbidden", "This device has been revoked; ask an administrator"), reason: "device_revoked", devicePk: known.id };
  }
  const quotas = userQuotas();
  if (!known) {
    const pending = await countPendingDevicesOf(tx, ctx.user.id);
    if (pending >= quotas.pendingDevices) {
      const error = quotaExceeded(
        `You already have ${pending} devices waiting for approval (the limit is ${quotas.pendingDevices}); reuse one of their device_ids, or have one approved or revoked first`,
        { quota: "pending_devices", limit: quotas.pendingDevices, current: pending },
      );
      return { error, reason: "quota_pending_devices", devicePk: null };
    }
  }
  const live = await countLiveSessions(tx, ctx.user.id);
  if (live >= quotas.liveSessions) {
    const error = quotaExceeded(
      `You already have ${live} live runtime sessions (the limit is ${quotas.liveSessions}); end one with DELETE /api/runtime/sessions/{session_id} first`,
      { quota: "sessions", limit: quotas.liveSessions, current: live },
    );
    return { error, reason: "quota_sessions", devicePk: known?.id ?? null };
  }
  return null;
}

/** `user_id` in the body must be the caller: their id, or their email in any case. Anything else is 403. */
async function assertNamesCaller(db: DbOrTx, ctx: AuthContext, userId: string): Promise<void> {
  if (userId === ctx.user.id || userId.toLowerCase() === ctx.user.email.toLowerCase()) return;
  await recordAudit(db, {
    eventType: "permission.denied",
    action: "open_session",
    outcome: "denied",
    ...actorOf(ctx),
    resourceType: "user",
    resourceId: null,
    details: { reason: "user_id_mismatch" },
  });
  throw new AppError("forbidden", "user_id must name you (your user id or email): a session is always opened for the caller", { parameter: "user_id" });
}
