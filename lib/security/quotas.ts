import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { devices, runtimeSessions, users } from "../db/schema";
import { env } from "../env";
import { AppError } from "../errors";
import { now } from "./clock";

/** Per-user limits on things anyone signed in can create: read once per call so tests can change them. */
export function userQuotas() {
  const e = env();
  return { liveSessions: e.MAX_SESSIONS_PER_USER, pendingDevices: e.MAX_PENDING_DEVICES_PER_USER };
}

/**
 * Serialise one user's quota-checked writes (count, then insert) inside the caller's transaction,
 * so two concurrent requests cannot both pass the count. FOR NO KEY UPDATE does not conflict with
 * the key-share locks that foreign keys take, so the user's ordinary writes never wait on it.
 */
export async function lockUserQuotas(tx: DbOrTx, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("no key update");
}

export async function countLiveSessions(tx: DbOrTx, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(runtimeSessions)
    .where(and(eq(runtimeSessions.userId, userId), isNull(runtimeSessions.endedAt), gt(runtimeSessions.expiresAt, now())));
  return row?.n ?? 0;
}

export async function countPendingDevicesOf(tx: DbOrTx, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(devices)
    .where(and(eq(devices.userId, userId), eq(devices.trust, "pending")));
  return row?.n ?? 0;
}

export function quotaExceeded(message: string, details: { quota: string; limit: number; current: number }): AppError {
  return new AppError("quota_exceeded", message, details);
}
