import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, inject } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../lib/db/client";
import { setDatabase } from "../../lib/db";
import { postgresAdminUrl, testDbKind, withDatabaseName } from "./db-target";

export interface TestDatabase extends DatabaseHandle {
  /** A URL other processes can open (Postgres only; PGlite is in-process). */
  url?: string;
  /** Open another independent connection pool to the same database (Postgres only). */
  reopen?: () => Promise<DatabaseHandle>;
}

/**
 * A fresh, migrated database for one test file, installed as the process database
 * (so route handlers see it) and dropped after the file's tests.
 */
export async function useTestDatabase(): Promise<TestDatabase> {
  const handle = await createTestDatabase();
  setDatabase(handle);
  afterAll(async () => {
    setDatabase(undefined);
    await handle.dispose();
  });
  return handle;
}

export async function createTestDatabase(): Promise<TestDatabase & { dispose: () => Promise<void> }> {
  if (testDbKind() === "pglite") {
    const snapshot = readFileSync(inject("pgliteSnapshot"));
    const handle = await openDatabase({ dataDir: "memory://", loadDataDir: new Blob([snapshot]) });
    return Object.assign(handle, { dispose: () => handle.close() });
  }
  const adminUrl = postgresAdminUrl();
  const name = `clawlink_t_${randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ url: adminUrl, maxConnections: 1 });
  if (admin.raw.kind !== "postgres") throw new Error("expected Postgres");
  await admin.raw.client.unsafe(`create database ${name} template ${inject("postgresTemplate")}`);
  const url = withDatabaseName(adminUrl, name);
  const handle = await openDatabase({ url, maxConnections: 10 });
  return Object.assign(handle, {
    url,
    reopen: () => openDatabase({ url, maxConnections: 10 }),
    dispose: async () => {
      await handle.close();
      if (admin.raw.kind === "postgres") await admin.raw.client.unsafe(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  });
}
