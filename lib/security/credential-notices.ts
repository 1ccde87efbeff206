import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";

/**
 * NOTIFY channel: some credential ended or a user's standing changed. The payload is a nonce the
 * announcing process recognises when the notice comes back (see `localChangesPending`); every
 * other listener ignores it.
 */
export const CREDENTIALS_CHANNEL = "clawlink_credentials";

/** A change announced here whose notice never came back (its transaction rolled back) stops counting after this. */
export const PENDING_NOTICE_MS = 30_000;

/** Nonces of changes announced by this process whose notice has not been heard yet. */
const pending = new Map<string, NodeJS.Timeout>();
/** What forgets remembered credentials in this process (auth-cache.ts registers its caches). */
const forgetters = new Set<() => void>();

/**
 * Wake every node's credential watcher at once (it re-checks the open streams' credentials) and
 * make every node forget the credentials it remembers (auth-cache.ts). Inside a transaction the
 * notice is delivered on commit, together with the change. A lost notice only delays the close
 * until the watcher's next periodic check. On this node the change counts at once: from the
 * announcement until its own notice comes back, `localChangesPending()` is true and no cache
 * answers, so a request right after the commit reads the database. Returns the notice's payload.
 */
export async function announceCredentialsChanged(db: DbOrTx): Promise<string> {
  const nonce = randomUUID();
  const timer = setTimeout(() => pending.delete(nonce), PENDING_NOTICE_MS);
  timer.unref();
  pending.set(nonce, timer);
  for (const forget of forgetters) forget();
  await db.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, ${nonce})`);
  return nonce;
}

/** Whether a credential change announced in this process may not have committed (or been heard) yet. */
export function localChangesPending(): boolean {
  return pending.size > 0;
}

/** A credential notice arrived (any node's): if it is one of ours, its change is committed. */
export function credentialNoticeHeard(payload: string): void {
  const timer = pending.get(payload);
  if (!timer) return;
  clearTimeout(timer);
  pending.delete(payload);
}

/** Register a function that forgets remembered credentials whenever this process announces a change. */
export function onCredentialsAnnounced(forget: () => void): () => void {
  forgetters.add(forget);
  return () => forgetters.delete(forget);
}
