import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { verifyPassword } from "./passwords";
import { clearBucket, peekBucket, refundBucket, takeFromBucket, type Window } from "./rate-limit";

export interface VerifiedUser {
  id: string;
  email: string;
  name: string | null;
}

/**
 * Failed sign-ins allowed per fixed window: per account (guessing one password) and per IP
 * (spraying many accounts). A success clears the account's counter, not the IP's.
 */
export const SIGN_IN_LIMITS = {
  account: { limit: 5, windowMs: 15 * 60_000 },
  ip: { limit: 30, windowMs: 15 * 60_000 },
} satisfies Record<string, Window>;

export type SignInResult =
  | { ok: true; user: VerifiedUser }
  | { ok: false; reason: "invalid_credentials" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

const accountKey = (email: string) => `signin:account:${email.trim().toLowerCase()}`;
const ipKey = (ip: string) => `signin:ip:${ip}`;

/** Whether the next attempt for this email / IP would be refused, and for how long. */
export async function signInThrottle(db: Database, input: { email: string; ip: string | null }): Promise<{ limited: boolean; retryAfterSeconds: number }> {
  const checks = [peekBucket(db, accountKey(input.email), SIGN_IN_LIMITS.account)];
  if (input.ip) checks.push(peekBucket(db, ipKey(input.ip), SIGN_IN_LIMITS.ip));
  const states = await Promise.all(checks);
  const limited = states.filter((s) => s.limited);
  return { limited: limited.length > 0, retryAfterSeconds: Math.max(0, ...limited.map((s) => s.retryAfterSeconds)) };
}

/**
 * Check an email/password pair; every outcome is audited. Each attempt is counted against the
 * account's and the IP's window before any hash is checked, atomically, so simultaneous guesses
 * cannot all slip under the limit; a success gives its attempts back (the account's counter is
 * cleared, the IP's decremented). Unknown emails still cost a hash, so timing does not reveal
 * which accounts exist. While throttled, no hash is checked at all.
 */
export async function checkSignIn(db: Database, input: { email: string; password: string; ip: string | null }): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const taken = [takeFromBucket(db, accountKey(email), SIGN_IN_LIMITS.account)];
  if (input.ip) taken.push(takeFromBucket(db, ipKey(input.ip), SIGN_IN_LIMITS.ip));
  const limited = (await Promise.all(taken)).filter((s) => s.limited);
  if (limited.length > 0) {
    const retryAfterSeconds = Math.max(...limited.map((s) => s.retryAfterSeconds));
    await recordAudit(db, {
      eventType: "auth.signin_failed",
      action: "sign_in",
      outcome: "denied",
      ip: input.ip,
      resourceType: "user",
      details: { reason: "rate_limited", email, retry_after_seconds: retryAfterSeconds },
    });
    return { ok: false, reason: "rate_limited", retryAfterSeconds };
  }
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email))
    .limit(1);
  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  const ok = Boolean(user && passwordOk && !user.disabledAt);
  if (ok) {
    await clearBucket(db, accountKey(email));
    if (input.ip) await refundBucket(db, ipKey(input.ip));
  }
  await recordAudit(db, {
    eventType: ok ? "auth.signin_succeeded" : "auth.signin_failed",
    action: "sign_in",
    outcome: ok ? "success" : "failure",
    actorUserId: user?.id ?? null,
    ip: input.ip,
    resourceType: "user",
    resourceId: user?.id ?? null,
    details: ok ? {} : { reason: user?.disabledAt ? "disabled" : "invalid_credentials" },
  });
  return ok && user ? { ok: true, user: { id: user.id, email: user.email, name: user.name } } : { ok: false, reason: "invalid_credentials" };
}

/** The 429 an API answers while sign-in is throttled. */
export function rateLimitedError(retryAfterSeconds: number): AppError {
  return new AppError(
    "rate_limited",
    `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
    { retry_after_seconds: retryAfterSeconds },
    { "retry-after": String(retryAfterSeconds) },
  );
}
