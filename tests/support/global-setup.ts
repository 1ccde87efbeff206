import { mkdirSync, writeFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../lib/db/client";
import { migrateDatabase } from "../../lib/db/migrate";
import { PGLITE_SNAPSHOT, SNAPSHOT_DIR, TEMPLATE_DB, postgresAdminUrl, testDbKind, withDatabaseName } from "./db-target";

/**
 * Migrate once, then let every test file clone the result: a PGlite data-dir snapshot,
 * or a Postgres template database (CREATE DATABASE … TEMPLATE is fast).
 */
export default async function setup(project: TestProject) {
  if (testDbKind() === "pglite") {
    const handle = await openDatabase({ dataDir: "memory://" });
    await migrateDatabase(handle);
    if (handle.raw.kind !== "pglite") throw new Error("expected PGlite");
    const dump = await handle.raw.client.dumpDataDir("gzip");
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    writeFileSync(PGLITE_SNAPSHOT, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
    project.provide("pgliteSnapshot", PGLITE_SNAPSHOT);
    return;
  }
  const adminUrl = postgresAdminUrl();
  const admin = await openDatabase({ url: adminUrl, maxConnections: 1 });
  if (admin.raw.kind !== "postgres") throw new Error("expected Postgres");
  const sql = admin.raw.client;
  await sql.unsafe(`drop database if exists ${TEMPLATE_DB}`);
  await sql.unsafe(`create database ${TEMPLATE_DB}`);
  const template = await openDatabase({ url: withDatabaseName(adminUrl, TEMPLATE_DB), maxConnections: 1 });
  await migrateDatabase(template);
  await template.close();
  project.provide("postgresTemplate", TEMPLATE_DB);
  return async () => {
    await sql.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.close();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplate: string;
  }
}
