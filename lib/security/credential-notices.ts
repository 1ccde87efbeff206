import { sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";

/** NOTIFY channel: some credential ended or a user's standing changed. The payload is empty. */
export const CREDENTIALS_CHANNEL = "clawlink_credentials";

/**
 * Wake every node's credential watcher at once (it re-checks the open streams' credentials).
 * Inside a transaction the notice is delivered on commit, together with the change. A lost
 * notice only delays the close until the watcher's next periodic check.
 */
export async function announceCredentialsChanged(db: DbOrTx): Promise<void> {
  await db.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, '')`);
}
