import type { SQL } from "drizzle-orm";
import type { DatabaseHandle, DbOrTx } from "./client";

/** Run raw SQL and return its rows, whichever driver answers (PGlite gives {rows}, postgres.js an array). */
export async function selectRows<T>(db: DbOrTx | DatabaseHandle, query: SQL): Promise<T[]> {
  const target = "db" in db && "kind" in db ? db.db : (db as DbOrTx);
  const result = (await target.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
