import path from "node:path";
import { env } from "../env";
import { openDatabase, type DatabaseHandle } from "./client";
import { migrateDatabase } from "./migrate";
import { migrateAsOwner } from "./roles";

export * from "./client";
export { selectRows } from "./sql";
export { migrateDatabase, migrationStatus } from "./migrate";
export { migrateAsOwner, grantAppRole } from "./roles";

// The custom server and Next's bundled route handlers are separate module graphs in one
// process; the handle lives on globalThis so both share one connection pool (and PGlite,
// which allows only one instance per data folder).
const GLOBAL_KEY = Symbol.for("coderclawlink.database");
type GlobalWithDb = typeof globalThis & { [GLOBAL_KEY]?: Promise<DatabaseHandle> };

export function pgliteDataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ env().DATA_DIR, "pglite");
}

/** The process-wide database, opened and migrated on first use. */
export function getDatabase(): Promise<DatabaseHandle> {
  const g = globalThis as GlobalWithDb;
  if (!g[GLOBAL_KEY]) {
    const e = env();
    const opening = openDatabase(e.DATABASE_URL ? { url: e.DATABASE_URL, prepare: e.DATABASE_PREPARE === "on" } : { dataDir: pgliteDataDir(), sharedBuffers: e.PGLITE_SHARED_BUFFERS }).then(
      async (handle) => {
        if (e.DATABASE_URL && e.MIGRATION_DATABASE_URL) await migrateAsOwner(handle, e.MIGRATION_DATABASE_URL);
        else await migrateDatabase(handle);
        return handle;
      },
    );
    // A failed open must not poison every later call.
    opening.catch(() => {
      if (g[GLOBAL_KEY] === opening) delete g[GLOBAL_KEY];
    });
    g[GLOBAL_KEY] = opening;
  }
  return g[GLOBAL_KEY]!;
}

/** Install an already-open handle as the process database (tests, start script). */
export function setDatabase(handle: DatabaseHandle | undefined): void {
  const g = globalThis as GlobalWithDb;
  if (handle) g[GLOBAL_KEY] = Promise.resolve(handle);
  else delete g[GLOBAL_KEY];
}

export async function closeDatabase(): Promise<void> {
  const g = globalThis as GlobalWithDb;
  const current = g[GLOBAL_KEY];
  delete g[GLOBAL_KEY];
  if (current) await (await current).close();
}
