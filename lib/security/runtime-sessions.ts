import { and, desc, eq, isNull, lt, lte, ne } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import { devices, runtimeSessions, users, type Device, type RuntimeSession } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize, canActForOthers } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { callerColumns, type CallerRow } from "./caller-row";
import type { CachedCredential, CredentialCache } from "./auth-cache";
import { announceCredentialsChanged } from "./credential-notices";
import { hashSecret } from "./tokens";

export const SESSION_TOKEN_PREFIX = "ccl_ses_";
/** Sessions die after this long without a request. */
export const SESSION_IDLE_TTL_MS = 24 * 3600_000;
/** Sliding the expiry is a write; once a minute is precise enough and spares hot paths. */
const TOUCH_GRANULARITY_MS = 60_000;

export function sessionStatus(s: Pick<RuntimeSession, "endedAt" | "endedReason" | "expiresAt">, at = now()) {
  if (s.endedAt) return s.endedReason ?? "ended";
  return s.expiresAt <= at ? "expired" : "active";
}

export function sessionJson(s: RuntimeSession, device: Pick<Device, "deviceId" | "trust" | "name">) {
  return {
    session_id: s.id,
    user_id: s.userId,
    device: { device_id: device.deviceId, name: device.name, trust: device.trust },
    status: sessionStatus(s),
    ip: s.ip,
    user_agent: s.userAgent,
    created_at: s.createdAt.toISOString(),
    last_active_at: s.lastActiveAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    ended_at: s.endedAt?.toISOString() ?? null,
  };
}

export async function loadSessionRow(db: DbOrTx, sessionId: string) {
  const [row] = await db
    .select({ session: runtimeSessions, device: devices })
    .from(runtimeSessions)
    .innerJoin(devices, eq(devices.id, runtimeSessions.devicePk))
    .where(eq(runtimeSessions.id, sessionId))
    .limit(1);
  return row;
}

/** A session the caller may see: their own, or anyone's with admin:users. Otherwise 404. */
export async function getVisibleSession(db: DbOrTx, ctx: AuthContext, sessionId: string) {
  const row = await loadSessionRow(db, sessionId);
  if (!row || (row.session.userId !== ctx.user.id && !canActForOthers(ctx))) throw AppError.notFound("Session");
  return row;
}

export async function getSession(db: DbOrTx, ctx: AuthContext, sessionId: string) {
  const row = await getVisibleSession(db, ctx, sessionId);
  return sessionJson(row.session, row.device);
}

/** Sessions, newest first: the caller's own (userId), or anyone's (userId omitted or someone else's) with admin:users. */
export async function listSessions(db: DbOrTx, ctx: AuthContext, opts: { userId?: string; includeEnded?: boolean; limit?: number }) {
  if (opts.userId !== ctx.user.id) await authorize(ctx, "admin:users");
  const rows = await db
    .select({ session: runtimeSessions, device: devices })
    .from(runtimeSessions)
    .innerJoin(devices, eq(devices.id, runtimeSessions.devicePk))
    .where(and(opts.userId ? eq(runtimeSessions.userId, opts.userId) : undefined, opts.includeEnded ? undefined : isNull(runtimeSessions.endedAt)))
    .orderBy(desc(runtimeSessions.createdAt))
    .limit(opts.limit ?? 200);
  const at = now();
  return rows.map((r) => sessionJson(r.session, r.device)).filter((s) => opts.includeEnded || new Date(s.expires_at) > at);
}

/** End a session (owner or admin). Ending an ended session changes nothing. */
export async function revokeSession(db: Database, ctx: AuthContext, sessionId: string): Promise<void> {
  const row = await getVisibleSession(db, ctx, sessionId);
  // A session may always end itself; ending any other needs a credential that may write.
  if (sessionId !== ctx.session?.id) await authorize(ctx, "trusted");
  if (row.session.endedAt) return;
  await db.transaction(async (tx) => {
    const ended = await tx
      .update(runtimeSessions)
      .set({ endedAt: now(), endedReason: "revoked" })
      .where(and(eq(runtimeSessions.id, sessionId), isNull(runtimeSessions.endedAt)))
      .returning({ id: runtimeSessions.id });
    if (ended.length === 0) return;
    await announceCredentialsChanged(tx);
    await recordAudit(tx, {
      eventType: "session.deleted",
      action: "revoke_session",
      ...actorOf(ctx),
      resourceType: "session",
      resourceId: sessionId,
      details: { owner_user_id: row.session.userId, device_id: row.device.deviceId },
    });
  });
}

/**
 * End every live runtime session of a user (disabling the account, a new password, signing out
 * everywhere), but `except` (the caller's own). Call inside the action's transaction.
 */
export async function endUserSessions(tx: DbOrTx, userId: string, reason: "user_disabled" | "password_changed" | "password_reset" | "signed_out_everywhere", opts: { except?: string } = {}): Promise<number> {
  const ended = await tx
    .update(runtimeSessions)
    .set({ endedAt: now(), endedReason: reason })
    .where(and(eq(runtimeSessions.userId, userId), isNull(runtimeSessions.endedAt), opts.except ? ne(runtimeSessions.id, opts.except) : undefined))
    .returning({ id: runtimeSessions.id });
  if (ended.length > 0) await announceCredentialsChanged(tx);
  return ended.length;
}

export type SessionCheck =
  | { ok: true; userId: string; user: CallerRow; session: { id: string; devicePk: string; deviceId: string; trust: Device["trust"] } }
  | { ok: false; reason: string };

/**
 * Resolve a presented `ccl_ses_…` token. Checked on every use: ended, idle past 24 h, device
 * revoked, user disabled. A live session's expiry slides forward; an idle one is marked expired
 * (and audited) the first time someone tries it. With a cache (the HTTP API's), an accepted
 * session is remembered (see auth-cache.ts); a remembered one that has idled out is read again
 * (and so expired and audited).
 */
export async function resolveSessionToken(db: Database, secret: string, cache?: CredentialCache<CachedCredential>): Promise<SessionCheck> {
  const hash = hashSecret(secret);
  const remembered = cache?.get(hash);
  if (remembered?.kind === "runtime_session" && remembered.expiresAt > now()) {
    const slid = await slideExpiry(db, remembered.session.id, remembered.lastActiveAt);
    if (slid) cache!.update(hash, { ...remembered, ...slid });
    return { ok: true, userId: remembered.userId, user: remembered.user, session: remembered.session };
  }
  const ticket = cache?.ticket();
  const [row] = await db
    .select({ session: runtimeSessions, device: devices, disabledAt: users.disabledAt, user: callerColumns })
    .from(runtimeSessions)
    .innerJoin(devices, eq(devices.id, runtimeSessions.devicePk))
    .innerJoin(users, eq(users.id, runtimeSessions.userId))
    .where(eq(runtimeSessions.tokenHash, hash))
    .limit(1);
  if (!row) return { ok: false, reason: "The session token is not valid" };
  const { session, device } = row;
  if (session.endedAt) return { ok: false, reason: endedMessage(session.endedReason) };
  if (device.trust === "revoked") return { ok: false, reason: endedMessage("device_revoked") };
  if (row.disabledAt) return { ok: false, reason: endedMessage("user_disabled") };
  if (session.expiresAt <= now()) {
    await expireSession(db, session, device);
    return { ok: false, reason: endedMessage("expired") };
  }
  const slid = await slideExpiry(db, session.id, session.lastActiveAt);
  const bound = { id: session.id, devicePk: device.id, deviceId: device.deviceId, trust: device.trust };
  if (ticket) {
    cache!.store(ticket, hash, { kind: "runtime_session", userId: session.userId, user: row.user, session: bound, expiresAt: session.expiresAt, lastActiveAt: session.lastActiveAt, ...slid });
  }
  return { ok: true, userId: session.userId, user: row.user, session: bound };
}

/** Slide a live session's expiry when its last activity is a minute old or more; returns the new times when it did. */
async function slideExpiry(db: Database, sessionId: string, lastActiveAt: Date): Promise<{ lastActiveAt: Date; expiresAt: Date } | null> {
  const at = now();
  if (at.getTime() - lastActiveAt.getTime() < TOUCH_GRANULARITY_MS) return null;
  const expiresAt = new Date(at.getTime() + SESSION_IDLE_TTL_MS);
  await db
    .update(runtimeSessions)
    .set({ lastActiveAt: at, expiresAt })
    .where(and(eq(runtimeSessions.id, sessionId), isNull(runtimeSessions.endedAt), lt(runtimeSessions.lastActiveAt, at)));
  return { lastActiveAt: at, expiresAt };
}

async function expireSession(db: Database, session: RuntimeSession, device: Device): Promise<void> {
  await db.transaction(async (tx) => {
    // Only the request that flips it writes the audit row.
    const flipped = await tx
      .update(runtimeSessions)
      .set({ endedAt: session.expiresAt, endedReason: "expired" })
      .where(and(eq(runtimeSessions.id, session.id), isNull(runtimeSessions.endedAt), lte(runtimeSessions.expiresAt, now())))
      .returning({ id: runtimeSessions.id });
    if (flipped.length === 0) return;
    await recordAudit(tx, {
      eventType: "session.expired",
      action: "expire_session",
      actorUserId: session.userId,
      sessionId: session.id,
      deviceId: device.deviceId,
      resourceType: "session",
      resourceId: session.id,
      details: { last_active_at: session.lastActiveAt.toISOString() },
    });
  });
}

/**
 * Mark sessions idle past their expiry as expired (and audit each), so the record does not
 * wait for someone to try a dead token. Safe to run on every node: each row flips once.
 */
export async function sweepExpiredSessions(db: Database, limit = 500): Promise<number> {
  const idle = await db
    .select({ session: runtimeSessions, device: devices })
    .from(runtimeSessions)
    .innerJoin(devices, eq(devices.id, runtimeSessions.devicePk))
    .where(and(isNull(runtimeSessions.endedAt), lte(runtimeSessions.expiresAt, now())))
    .limit(limit);
  for (const row of idle) await expireSession(db, row.session, row.device);
  return idle.length;
}

function endedMessage(reason: string | null): string {
  switch (reason) {
    case "expired":
      return "The runtime session expired after 24 hours without activity; open a new one";
    case "device_revoked":
      return "The runtime session ended because its device was revoked";
    case "password_changed":
      return "The runtime session ended because the account's password was changed";
    case "password_reset":
      return "The runtime session ended because the account's password was reset";
    case "signed_out_everywhere":
      return "The runtime session ended: its owner signed out everywhere";
    case "user_disabled":
      return "The runtime session ended because the account is disabled";
    default:
      return "The runtime session has been revoked";
  }
}
