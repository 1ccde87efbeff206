import { eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { rateLimitBuckets } from "../db/schema";
import { now } from "./clock";

export interface Window {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

export interface BucketState {
  count: number;
  resetAt: Date;
  limited: boolean;
  /** Whole seconds until the window resets (for Retry-After); 0 when not limited. */
  retryAfterSeconds: number;
}

function state(count: number, resetAt: Date, limit: number, at: Date): BucketState {
  const limited = count >= limit && resetAt > at;
  return { count, resetAt, limited, retryAfterSeconds: limited ? Math.max(1, Math.ceil((resetAt.getTime() - at.getTime()) / 1000)) : 0 };
}

/** Read a bucket without counting (a closed window reads as empty). */
export async function peekBucket(db: DbOrTx, key: string, window: Window): Promise<BucketState> {
  const at = now();
  const [row] = await db.select().from(rateLimitBuckets).where(eq(rateLimitBuckets.key, key)).limit(1);
  if (!row || row.resetAt <= at) return state(0, new Date(at.getTime() + window.windowMs), window.limit, at);
  return state(row.count, row.resetAt, window.limit, at);
}

/**
 * Take one attempt from a fixed window *before* doing the work it guards: one atomic upsert
 * counts it and returns the new count, and the attempt is allowed only if that count is within
 * the limit. Counting first is what makes the limit hold under concurrency (checking first let
 * 20 simultaneous guesses all see room for one). A window that has closed restarts at 1.
 */
export async function takeFromBucket(db: DbOrTx, key: string, window: Window): Promise<BucketState> {
  const at = now();
  const resetAt = new Date(at.getTime() + window.windowMs);
  const [row] = await db
    .insert(rateLimitBuckets)
    .values({ key, count: 1, resetAt })
    .onConflictDoUpdate({
      target: rateLimitBuckets.key,
      set: {
        count: sql`case when ${rateLimitBuckets.resetAt} <= ${at.toISOString()}::timestamptz then 1 else ${rateLimitBuckets.count} + 1 end`,
        resetAt: sql`case when ${rateLimitBuckets.resetAt} <= ${at.toISOString()}::timestamptz then ${resetAt.toISOString()}::timestamptz else ${rateLimitBuckets.resetAt} end`,
      },
    })
    .returning({ count: rateLimitBuckets.count, resetAt: rateLimitBuckets.resetAt });
  // Closed windows are dead weight; sweep them now and then rather than on every hit.
  if (Math.random() < 0.02) await db.delete(rateLimitBuckets).where(lt(rateLimitBuckets.resetAt, new Date(at.getTime() - 86_400_000)));
  // The attempt just counted is allowed while the count stays within the limit.
  return state(row.count - 1, row.resetAt, window.limit, at);
}

/** Give back an attempt taken by takeFromBucket that turned out not to count (a success). */
export async function refundBucket(db: DbOrTx, key: string): Promise<void> {
  await db
    .update(rateLimitBuckets)
    .set({ count: sql`greatest(${rateLimitBuckets.count} - 1, 0)` })
    .where(eq(rateLimitBuckets.key, key));
}

export async function clearBucket(db: DbOrTx, key: string): Promise<void> {
  await db.delete(rateLimitBuckets).where(eq(rateLimitBuckets.key, key));
}
