import { getDatabase, migrationStatus } from "@/lib/db";
import { publicRoute } from "@/lib/transport/http/handler";

/** Liveness and database state; open to anyone, reveals no secrets. */
export const GET = publicRoute({
  handler: async () => {
    const handle = await getDatabase();
    const migrations = await migrationStatus(handle);
    return {
      status: migrations.upToDate ? "ok" : "degraded",
      database: { kind: handle.kind, migrations: { applied: migrations.applied, expected: migrations.expected, up_to_date: migrations.upToDate, latest: migrations.latest } },
      version: process.env.npm_package_version ?? "0.2.0",
      time: new Date().toISOString(),
    };
  },
});
