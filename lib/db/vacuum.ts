import type { DatabaseHandle } from "./client";
import { log } from "../log";

/**
 * Tables whose rows are rewritten all the time: every task's state changes and lease renewals, the
 * sealing of every audit row, every node's heartbeat. Each rewrite leaves a dead row version, and
 * in the queue's partial indexes an entry that every claim steps over until VACUUM removes it.
 */
export const CHURNING_TABLES = ["executions", "audit_events", "nodes"] as const;

export interface VacuumOptions {
  /** PostgreSQL: how often the statistics are checked. */
  checkEveryMs?: number;
  /** PostgreSQL: a table is vacuumed once it has this many dead rows … */
  minDeadRows?: number;
  /** … and at least this share of its live ones. */
  deadShare?: number;
  /** PGlite keeps no dead-row counts until it vacuums: every churning table is vacuumed this often. */
  pgliteEveryMs?: number;
}

export interface VacuumLoop {
  /** One check now (vacuuming what needs it); the tables vacuumed. */
  runNow(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The node's own VACUUM (ANALYZE) of the churning tables. Autovacuum does it on a default
 * PostgreSQL, but some servers switch it off (this repository's CI machine does) and PGlite has
 * none at all; without it the queue's indexes fill with dead entries and claims slow down as
 * history grows. With autovacuum on this only runs earlier than autovacuum would. Every node may
 * run it: SKIP_LOCKED skips a table another node is vacuuming at that moment.
 */
export function startVacuumLoop(handle: DatabaseHandle, options: VacuumOptions = {}): VacuumLoop {
  const everyMs = handle.raw.kind === "pglite" ? (options.pgliteEveryMs ?? 15 * 60_000) : (options.checkEveryMs ?? 60_000);
  let running: Promise<string[]> | undefined;
  const runNow = () => (running ??= vacuumChurningTables(handle, options).finally(() => (running = undefined)));
  const timer = setInterval(() => {
    runNow().catch((error: unknown) => log.warn({ err: error }, "vacuum of the queue tables failed; next try later"));
  }, everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

async function vacuumChurningTables(handle: DatabaseHandle, options: VacuumOptions): Promise<string[]> {
  const raw = handle.raw;
  if (raw.kind === "pglite") {
    for (const table of CHURNING_TABLES) await raw.client.exec(`vacuum (analyze, skip_locked) ${table}`);
    return [...CHURNING_TABLES];
  }
  const minDead = options.minDeadRows ?? 1_000;
  const share = options.deadShare ?? 0.1;
  const stats = await raw.client<{ relname: string; dead: number; live: number }[]>`
    select relname, n_dead_tup::int as dead, n_live_tup::int as live from pg_stat_user_tables
    where schemaname = current_schema() and relname in ${raw.client([...CHURNING_TABLES])}`;
  const due = stats.filter((t) => t.dead >= minDead && t.dead >= share * t.live).map((t) => t.relname);
  if (due.length === 0) return [];
  // VACUUM cannot run in a transaction; on one reserved connection, without the app's statement
  // timeout (a large table takes longer than a request may), and throttled as autovacuum is by
  // default (a manual VACUUM is not): it yields the disk and the CPU to the tasks meanwhile.
  const connection = await raw.client.reserve();
  try {
    await connection.unsafe("set statement_timeout = 0");
    await connection.unsafe("set vacuum_cost_delay = '2ms'");
    for (const table of due) await connection.unsafe(`vacuum (analyze, skip_locked) ${table}`);
  } finally {
    await connection.unsafe("reset statement_timeout").catch(() => {});
    await connection.unsafe("reset vacuum_cost_delay").catch(() => {});
    connection.release();
  }
  log.info({ tables: due }, "vacuumed the queue tables");
  return due;
}
