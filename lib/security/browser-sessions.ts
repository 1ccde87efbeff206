import { and, desc, eq, gt, isNull, lt, ne, sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import { browserSessions, type BrowserSession } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { announceCredentialsChanged } from "./credential-notices";

/** As long as the next-auth cookie lives: 7 days after the last request. */
export const BROWSER_SESSION_TTL_MS = 7 * 24 * 3600_000;
/** Sliding the expiry is a write; once a minute is precise enough. */
const TOUCH_GRANULARITY_MS = 60_000;

export type BrowserSessionEnd =
  | "signed_out"
  | "signed_out_everywhere"
  | "password_changed"
  | "password_reset"
  | "user_disabled"
  | "role_changed"
  | "revoked";

/** Record a sign-in; its id goes into the cookie as `sid`. */
export async function startBrowserSession(db: DbOrTx, input: { userId: string; provider: string; ip: string | null; userAgent: string | null }): Promise<string> {
  const at = now();
  const [row] = await db
    .insert(browserSessions)
    .values({ userId: input.userId, provider: input.provider, ip: input.ip, userAgent: input.userAgent?.slice(0, 500) ?? null, createdAt: at, lastSeenAt: at, expiresAt: new Date(at.getTime() + BROWSER_SESSION_TTL_MS) })
    .returning({ id: browserSessions.id });
  return row.id;
}

/** Whether a cookie's `sid` can name a session at all (a cookie without one, or a malformed one, never does). */
export function isBrowserSessionId(sessionId: string | null): sessionId is string {
  return sessionId !== null && UUID.test(sessionId);
}

/**
 * The last use of the user's live browser session `sessionId` (null when it does not exist, is
 * someone else's, has ended or idled past 7 days), as a column of a query on `users`, so the
 * check costs no round trip of its own. Spelled out in SQL: drizzle leaves columns unqualified
 * inside a single-table select, and "id" would mean the session's own.
 */
export function liveBrowserSessionSeenAt(sessionId: string, at: Date) {
  return sql<Date | null>`(select bs.last_seen_at from browser_sessions bs where bs.id = ${sessionId} and bs.user_id = "users"."id" and bs.ended_at is null and bs.expires_at > ${at.toISOString()}::timestamptz)`.mapWith(browserSessions.lastSeenAt);
}

/** Whether a cookie's claims name a live browser session of their user (next-auth's own session reads). */
export async function isLiveBrowserSession(db: Database, sid: unknown, uid: unknown): Promise<boolean> {
  if (typeof sid !== "string" || typeof uid !== "string" || !isBrowserSessionId(sid)) return false;
  const [row] = await db
    .select({ id: browserSessions.id })
    .from(browserSessions)
    .where(and(eq(browserSessions.id, sid), eq(browserSessions.userId, uid), isNull(browserSessions.endedAt), gt(browserSessions.expiresAt, now())))
    .limit(1);
  return Boolean(row);
}

/** A live session's expiry slides with use, like the cookie's; written at most once a minute. */
export async function touchBrowserSession(db: Database, sessionId: string, lastSeenAt: Date): Promise<void> {
  const at = now();
  if (at.getTime() - lastSeenAt.getTime() < TOUCH_GRANULARITY_MS) return;
  await db
    .update(browserSessions)
    .set({ lastSeenAt: at, expiresAt: new Date(at.getTime() + BROWSER_SESSION_TTL_MS) })
    .where(and(eq(browserSessions.id, sessionId), isNull(browserSessions.endedAt), lt(browserSessions.lastSeenAt, at)));
}

/** End one browser session (signing out). Returns whether it was live. */
export async function endBrowserSession(db: DbOrTx, sessionId: string, reason: BrowserSessionEnd): Promise<boolean> {
  if (!UUID.test(sessionId)) return false;
  const ended = await db
    .update(browserSessions)
    .set({ endedAt: now(), endedReason: reason })
    .where(and(eq(browserSessions.id, sessionId), isNull(browserSessions.endedAt)))
    .returning({ id: browserSessions.id });
  if (ended.length > 0) await announceCredentialsChanged(db);
  return ended.length > 0;
}

/**
 * End every live browser session of a user, but `except` (the caller's own, when they stay
 * signed in). Call inside the action's transaction, so the change and the ending commit together.
 */
export async function endUserBrowserSessions(tx: DbOrTx, userId: string, reason: BrowserSessionEnd, opts: { except?: string } = {}): Promise<number> {
  const ended = await tx
    .update(browserSessions)
    .set({ endedAt: now(), endedReason: reason })
    .where(and(eq(browserSessions.userId, userId), isNull(browserSessions.endedAt), opts.except ? ne(browserSessions.id, opts.except) : undefined))
    .returning({ id: browserSessions.id });
  if (ended.length > 0) await announceCredentialsChanged(tx);
  return ended.length;
}

export function browserSessionJson(s: BrowserSession, currentId: string | undefined) {
  return {
    id: s.id,
    provider: s.provider,
    ip: s.ip,
    user_agent: s.userAgent,
    created_at: s.createdAt.toISOString(),
    last_seen_at: s.lastSeenAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    current: s.id === currentId,
  };
}

/** The caller's live browser sessions, most recently used first. */
export async function listBrowserSessions(db: DbOrTx, ctx: AuthContext) {
  const rows = await db
    .select()
    .from(browserSessions)
    .where(and(eq(browserSessions.userId, ctx.user.id), isNull(browserSessions.endedAt), gt(browserSessions.expiresAt, now())))
    .orderBy(desc(browserSessions.lastSeenAt))
    .limit(200);
  return rows.map((r) => browserSessionJson(r, ctx.browserSessionId));
}

/** Sign one of your own browser sessions out (another browser, or this one). Unknown or someone else's → 404. */
export async function revokeBrowserSession(db: Database, ctx: AuthContext, sessionId: string): Promise<void> {
  await authorize(ctx, "trusted");
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ id: browserSessions.id, endedAt: browserSessions.endedAt }).from(browserSessions).where(and(eq(browserSessions.id, sessionId), eq(browserSessions.userId, ctx.user.id))).limit(1);
    if (!row) throw AppError.notFound("Browser session");
    if (!(await endBrowserSession(tx, sessionId, "revoked"))) return;
    await recordAudit(tx, { eventType: "auth.signed_out", action: "end_browser_session", ...actorOf(ctx), resourceType: "browser_session", resourceId: sessionId, details: { current: sessionId === ctx.browserSessionId } });
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
