/**
 * `npm run db:migrate`: apply pending migrations to DATABASE_URL, or the embedded database under DATA_DIR.
 * With MIGRATION_DATABASE_URL (the owner), migrate as that role and grant DATABASE_URL's role the app's privileges.
 */
async function main() {
  const { env } = await import("../lib/env");
  const { openDatabase, migrateDatabase, migrateAsOwner, migrationStatus, pgliteDataDir } = await import("../lib/db");
  const config = env();
  const handle = await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: pgliteDataDir(), sharedBuffers: config.PGLITE_SHARED_BUFFERS });
  try {
    const before = await migrationStatus(handle);
    if (config.DATABASE_URL && config.MIGRATION_DATABASE_URL) await migrateAsOwner(handle, config.MIGRATION_DATABASE_URL);
    else await migrateDatabase(handle);
    const after = await migrationStatus(handle);
    const applied = after.applied - before.applied;
    console.log(
      `${handle.kind === "pglite" ? "Embedded PGlite" : "PostgreSQL"} at ${handle.location}: ` +
        (applied > 0 ? `applied ${applied} migration(s), now at ${after.latest}` : `already up to date (${after.latest})`),
    );
  } finally {
    await handle.close();
  }
}

main().catch((error: Error) => {
  console.error(`Migration failed: ${error.message}`);
  process.exit(1);
});
