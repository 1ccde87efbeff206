import { isNull, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { selectRows } from "../../lib/db";
import { auditEvents } from "../../lib/db/schema";
import { recordAudit } from "../../lib/security/audit";
import { sealAuditChain } from "../../lib/security/audit-seal";
import { startAuditSealer } from "../../lib/security/audit-sealer";
import { verifyAuditChain } from "../../lib/security/audit-verify";
import { useTestDatabase } from "../support/db";

const until = async (condition: () => Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const refusal = async (db: DatabaseHandle["db"], statement: ReturnType<typeof sql>) => {
  const error = await db.execute(statement).then(
    () => null,
    (e: Error & { cause?: Error }) => e,
  );
  return `${error?.message} ${error?.cause?.message}`;
};

describe("audit chain without a global lock: unsealed rows, one sealer", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const extraPools: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const pool of extraPools) await pool.close();
  });
  /** Independent pools on Postgres (other "nodes"); PGlite is one process's database. */
  const pools = async (n: number) => {
    if (!database.reopen) return Array.from({ length: n }, () => database as DatabaseHandle);
    const opened = await Promise.all(Array.from({ length: n }, () => database.reopen!()));
    extraPools.push(...opened);
    return opened;
  };

  it("a write goes in unsealed inside its own transaction and takes no chain lock", async () => {
    const row = await db.transaction(async (tx) => {
      const inserted = await recordAudit(tx, { eventType: "resource.accessed", action: "unsealed-probe" });
      // No advisory lock is held by this transaction: another writer never waits on it.
      const locks = await selectRows<{ n: number }>(tx, sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`);
      expect(locks[0]!.n).toBe(0);
      return inserted;
    });
    expect(row).toMatchObject({ seq: null, prevHash: null, hash: null, action: "unsealed-probe" });
    expect(await sealAuditChain(db)).toBeGreaterThanOrEqual(1);
    const [sealed] = await selectRows<{ seq: number; hash: string }>(db, sql`select seq, hash from audit_events where id = ${row.id}`);
    expect(Number(sealed!.seq)).toBeGreaterThan(0);
    expect(sealed!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("the database allows only the one sealing of an unsealed row", async () => {
    const row = await recordAudit(db, { eventType: "resource.accessed", action: "trigger-probe" });
    // Changing an unsealed row's content, or sealing it with other content: refused.
    expect(await refusal(db, sql`update audit_events set action = 'forged' where id = ${row.id}`)).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(db, sql`update audit_events set action = 'forged', seq = 999999, prev_hash = 'x', hash = 'y' where id = ${row.id}`)).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(db, sql`delete from audit_events where id = ${row.id}`)).toMatch(/append-only: DELETE refused/);
    // Half a seal breaks the all-or-nothing check.
    expect(await refusal(db, sql`update audit_events set seq = 999999 where id = ${row.id}`)).toMatch(/audit_events_sealed_whole/);
    await sealAuditChain(db);
    // A sealed row never changes again, not even its seal.
    expect(await refusal(db, sql`update audit_events set hash = repeat('a', 64) where id = ${row.id}`)).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(db, sql`update audit_events set seq = null, prev_hash = null, hash = null where id = ${row.id}`)).toMatch(/append-only: UPDATE refused/);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("many concurrent writers (separate pools on Postgres) produce one gap-free chain", async () => {
    const writers = await pools(4);
    const perWriter = 40;
    await Promise.all(
      writers.flatMap((pool, w) =>
        Array.from({ length: perWriter }, (_, i) =>
          i % 2 === 0
            ? pool.db.transaction(async (tx) => {
                await recordAudit(tx, { eventType: "resource.modified", action: "concurrent", details: { w, i } });
              })
            : recordAudit(pool.db, { eventType: "permission.denied", action: "concurrent", outcome: "denied", details: { w, i } }),
        ),
      ),
    );
    // Sealing while others seal too: seal-on-read from every pool at once takes turns.
    await Promise.all(writers.map((pool) => sealAuditChain(pool.db)));
    const unsealed = await db.select().from(auditEvents).where(isNull(auditEvents.seq));
    expect(unsealed).toEqual([]);
    const [stats] = await selectRows<{ n: number; max: number; concurrent: number }>(
      db,
      sql`select count(*)::int as n, max(seq)::int as max, count(*) filter (where action = 'concurrent')::int as concurrent from audit_events`,
    );
    expect(stats).toMatchObject({ concurrent: writers.length * perWriter });
    expect(stats!.max).toBe(stats!.n);
    const report = await verifyAuditChain(db);
    expect(report).toMatchObject({ ok: true, checked: stats!.n, first_broken: null });
  });

  it("a running sealer seals committed rows within a bounded delay", async () => {
    const sealer = await startAuditSealer(database, { sealEveryMs: 100, electEveryMs: 200, checkpointEveryMs: 3_600_000 });
    try {
      await until(async () => sealer.leading, "the sealer to be elected");
      const row = await recordAudit(db, { eventType: "resource.accessed", action: "sealed-by-sealer" });
      await until(async () => (await selectRows<{ seq: number | null }>(db, sql`select seq from audit_events where id = ${row.id}`))[0]!.seq !== null, "the row to be sealed");
    } finally {
      await sealer.stop();
    }
  });

  it("one sealer per cluster; when it stops another takes over", async () => {
    const [nodeA, nodeB] = await pools(2);
    const a = await startAuditSealer(nodeA!, { sealEveryMs: 100, electEveryMs: 200, checkpointEveryMs: 3_600_000 });
    await until(async () => a.leading, "node A to be elected");
    const b = await startAuditSealer(nodeB!, { sealEveryMs: 100, electEveryMs: 200, checkpointEveryMs: 3_600_000 });
    try {
      await b.tick();
      // Postgres: B's own session cannot take the lock A holds. PGlite: one process, one session.
      expect(b.leading).toBe(nodeA === nodeB);
      await a.stop();
      await until(async () => b.leading, "node B to take over");
      const row = await recordAudit(nodeB!.db, { eventType: "resource.accessed", action: "after-takeover" });
      await until(async () => (await selectRows<{ seq: number | null }>(db, sql`select seq from audit_events where id = ${row.id}`))[0]!.seq !== null, "node B to seal");
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("a stalled sealer loses the role: its idle election session ends and another node takes over", async () => {
    const [nodeA, nodeB] = await pools(2);
    // A ticks once and then stays silent for a minute, like a process that stalled.
    const a = await startAuditSealer(nodeA!, { sealEveryMs: 60_000, electEveryMs: 60_000, stalledAfterMs: 1_000, checkpointEveryMs: 3_600_000 });
    await until(async () => a.leading, "node A to be elected");
    const b = await startAuditSealer(nodeB!, { sealEveryMs: 100, electEveryMs: 200, checkpointEveryMs: 3_600_000 });
    try {
      await until(async () => b.leading, "node B to take over from the stalled node A");
      const row = await recordAudit(nodeB!.db, { eventType: "resource.accessed", action: "after-stall" });
      await until(async () => (await selectRows<{ seq: number | null }>(db, sql`select seq from audit_events where id = ${row.id}`))[0]!.seq !== null, "node B to seal");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
