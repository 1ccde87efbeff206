import { readFileSync } from "node:fs";
import path from "node:path";
import type { DatabaseHandle } from "./client";
import { selectRows } from "./sql";

export const MIGRATIONS_FOLDER = path.join(/*turbopackIgnore: true*/ process.cwd(), "drizzle");
/** Arbitrary constant: the advisory lock that serialises migrators across a cluster. */
const MIGRATION_LOCK_ID = 7_203_311;

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

export function migrationJournal(folder = MIGRATIONS_FOLDER): Journal {
  return JSON.parse(readFileSync(path.join(folder, "meta", "_journal.json"), "utf8")) as Journal;
}

/**
 * Apply pending migrations. On Postgres a single dedicated connection holds an advisory lock,
 * so nodes starting together migrate one after the other.
 */
export async function migrateDatabase(handle: DatabaseHandle, folder = MIGRATIONS_FOLDER): Promise<void> {
  if (handle.raw.kind === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    const { drizzle } = await import("drizzle-orm/pglite");
    await migrate(drizzle(handle.raw.client), { migrationsFolder: folder });
    return;
  }
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const options = handle.raw.client.options;
  const single = postgres({ ...options, max: 1, onnotice: () => {} } as never);
  try {
    await single`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle(single), { migrationsFolder: folder });
    await single`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await single.end({ timeout: 5 });
  }
}

export interface MigrationStatus {
  applied: number;
  expected: number;
  upToDate: boolean;
  latest: string | null;
}

export async function migrationStatus(handle: DatabaseHandle, folder = MIGRATIONS_FOLDER): Promise<MigrationStatus> {
  const journal = migrationJournal(folder);
  const { sql } = await import("drizzle-orm");
  let applied = 0;
  try {
    const rows = await selectRows<{ count: number }>(
      handle,
      sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
    );
    applied = rows[0]?.count ?? 0;
  } catch {
    applied = 0;
  }
  const expected = journal.entries.length;
  return {
    applied,
    expected,
    upToDate: applied >= expected,
    latest: applied > 0 ? (journal.entries[Math.min(applied, expected) - 1]?.tag ?? null) : null,
  };
}
