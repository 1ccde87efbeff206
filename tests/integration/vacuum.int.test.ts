import { eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { executions } from "../../lib/db/schema";
import { selectRows } from "../../lib/db/sql";
import { CHURNING_TABLES, startVacuumLoop } from "../../lib/db/vacuum";
import { createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";

describe("the node vacuums the tables every task rewrites", async () => {
  const database = await useTestDatabase();

  it("a table with many dead rows is vacuumed (PostgreSQL: by its statistics; PGlite, which keeps none: every run), and tasks still read back", async () => {
    await database.db.execute(sql`alter table executions set (autovacuum_enabled = false)`);
    const user = await createUser(database.db, { name: "Churn" });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await submit(database, user, { prompt: `churn ${i}` }));
    // 40 rows rewritten 30 times in an indexed column (no HOT update, as with a state change): 1,200 dead row versions.
    for (let round = 0; round < 30; round++) await database.db.update(executions).set({ createdAt: sql`clock_timestamp()` }).where(inArray(executions.id, ids));

    const loop = startVacuumLoop(database, { checkEveryMs: 3_600_000, pgliteEveryMs: 3_600_000, minDeadRows: 500, deadShare: 0.1 });
    try {
      if (database.raw.kind === "postgres") {
        // The statistics reach pg_stat_user_tables after a short delay; wait for them, as the loop's next check would.
        await expect.poll(async () => (await selectRows<{ dead: number }>(database, sql`select n_dead_tup::int as dead from pg_stat_user_tables where relname = 'executions'`))[0]?.dead ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(500);
        expect(await loop.runNow()).toEqual(["executions"]);
        const [after] = await selectRows<{ dead: number }>(database, sql`select n_dead_tup::int as dead from pg_stat_user_tables where relname = 'executions'`);
        expect(after!.dead).toBeLessThan(500);
        expect(await loop.runNow()).toEqual([]); // nothing left to do
      } else {
        expect(await loop.runNow()).toEqual([...CHURNING_TABLES]);
      }
      const [row] = await database.db.select({ prompt: executions.prompt }).from(executions).where(eq(executions.id, ids[0]!));
      expect(row?.prompt).toBe("churn 0");
    } finally {
      await loop.stop();
    }
  });
});
