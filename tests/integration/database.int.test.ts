import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { migrationStatus, openDatabase, PGLITE_SHARED_BUFFERS, selectRows } from "../../lib/db";
import { projects, users } from "../../lib/db/schema";
import { useTestDatabase } from "../support/db";

describe("database", async () => {
  const database = await useTestDatabase();

  it("is migrated to the latest migration", async () => {
    const status = await migrationStatus(database);
    expect(status.upToDate).toBe(true);
    expect(status.applied).toBe(status.expected);
  });

  it("starts empty: each test file gets its own database", async () => {
    expect(await database.db.select().from(users)).toEqual([]);
    await database.db.insert(projects).values({ key: "ISOL", name: "Isolation" });
    const rows = await selectRows<{ key: string }>(database, sql`select key from projects`);
    expect(rows.map((r) => r.key)).toEqual(["ISOL"]);
  });

  it("enforces a case-insensitive unique email", async () => {
    await database.db.insert(users).values({ email: "Ada@example.com" });
    await expect(database.db.insert(users).values({ email: "ada@EXAMPLE.com" })).rejects.toThrow();
  });

  it("delivers NOTIFY to listeners after commit only", async () => {
    const received: string[] = [];
    const unlisten = await database.listen("clawlink_test", (payload) => received.push(payload));
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_notify('clawlink_test', 'one')`);
      expect(received).toEqual([]);
    });
    await expect.poll(() => received).toEqual(["one"]);
    await unlisten();
  });
});

describe("embedded PGlite sizing", () => {
  const showSharedBuffers = async (options: { sharedBuffers?: string }) => {
    const handle = await openDatabase({ dataDir: "memory://", ...options });
    try {
      return (await selectRows<{ shared_buffers: string }>(handle, sql`show shared_buffers`))[0].shared_buffers;
    } finally {
      await handle.close();
    }
  };

  it("runs with small shared_buffers unless told otherwise (its 128 MB default is all resident at start)", async () => {
    expect(PGLITE_SHARED_BUFFERS).toBe("16MB");
    expect(await showSharedBuffers({})).toBe("16MB");
    expect(await showSharedBuffers({ sharedBuffers: "32MB" })).toBe("32MB");
  });

  it("refuses a shared_buffers that is not a size", async () => {
    await expect(openDatabase({ dataDir: "memory://", sharedBuffers: "16MB -c fsync=off" })).rejects.toThrow(/shared_buffers/);
  });
});
