import path from "node:path";

/** Which database the integration tests use, decided once from the environment. */
export function testDbKind(): "pglite" | "postgres" {
  return process.env.TEST_DB === "postgres" ? "postgres" : "pglite";
}

export function postgresAdminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DB=postgres needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
  return url;
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export const SNAPSHOT_DIR = path.resolve(".test-data");
export const PGLITE_SNAPSHOT = path.join(SNAPSHOT_DIR, "pglite-migrated.tar.gz");
export const TEMPLATE_DB = `clawlink_tpl_${process.pid}`;
