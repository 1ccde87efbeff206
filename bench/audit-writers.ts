/**
 * Audited writes per second with 1, 2 and 4 writer processes (PostgreSQL; issue #14 §3). Each
 * process (bench/audit-writer.ts) has its own pool and runs `loops` concurrent transactions that
 * each record one audit event; all start together on a signal and run `durationS`. Meanwhile this
 * process runs the cluster's sealer (lib/security/audit-sealer.ts) on the same database, so the
 * figure includes keeping the chain sealed; after the writers stop we time how long the last rows
 * wait to be sealed and verify the chain. The diagnostic "locked" mode writes as round 1 did
 * (one cluster-wide advisory lock per audited write) on a fresh database, for comparison.
 * Run alone: `tsx bench/audit-writers.ts` (TEST_DATABASE_URL or the local default).
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { sql } from "drizzle-orm";
import { migrateDatabase } from "../lib/db/migrate";
import { selectRows } from "../lib/db/sql";
import { startAuditSealer } from "../lib/security/audit-sealer";
import { verifyAuditChain } from "../lib/security/audit-verify";
import { startChild, stopChild, type Child } from "./children";
import { createBenchDatabase, DEFAULT_ADMIN_URL, type BenchDatabase } from "./db";
import { sleep } from "./stats";

export interface AuditWritersRun {
  mode: "unsealed" | "locked";
  writers: number;
  loops: number;
  writes: number;
  seconds: number;
  perSecond: number;
  /** After the writers stopped: how long until every row was sealed (unsealed mode). */
  sealDrainMs?: number;
  chainOk: boolean;
  /** CPU milliseconds per audited write: the writer processes, their PostgreSQL backends, and the sealer (this process and its backends). */
  cpuMsPerWrite?: { writers: number; writerBackends: number; sealer: number };
  /** What the writers' backends were doing, sampled every 25 ms while they ran (wait event → share of samples). */
  waits?: { event: string; share: number }[];
}

export interface AuditWritersOptions {
  writers: number[];
  loops: number;
  durationS: number;
  logFile: string;
  /** Also measure round 1's global-lock writes (diagnostic). */
  locked: boolean;
}

/** User + system CPU milliseconds a process has used so far (0 once it is gone). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return 0;
  }
}

async function runOnce(db: BenchDatabase, mode: AuditWritersRun["mode"], writers: number, options: AuditWritersOptions, say: (line: string) => void): Promise<AuditWritersRun> {
  const handle = await db.open();
  const sealer = mode === "unsealed" ? await startAuditSealer(handle, { checkpointEveryMs: 60_000, dataDir: db.dataDir }) : undefined;
  const children: Child[] = [];
  try {
    const env = { DATABASE_URL: db.url, PGAPPNAME: "bench-audit-writer", BENCH_LOOPS: String(options.loops), BENCH_DURATION_MS: String(options.durationS * 1000), BENCH_AUDIT_MODE: mode, LOG_LEVEL: "warn" };
    children.push(...(await Promise.all(Array.from({ length: writers }, (_, i) => startChild("bench/audit-writer.ts", { ...env, BENCH_WRITER: String(i) }, options.logFile)))));
    const [{ before }] = await selectRows<{ before: number }>(handle, sql`select count(*)::int as before from audit_events`);
    const backends = () => selectRows<{ pid: number; writer: boolean }>(handle, sql`select pid, application_name = 'bench-audit-writer' as writer from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    const cpuBefore = new Map((await backends()).map((b) => [b.pid, cpuMs(b.pid)]));
    const writerPids = children.map((c) => c.servingPid());
    const writersBefore = writerPids.map(cpuMs);
    const selfBefore = process.cpuUsage();
    // Wait events of the writers' backends while they run: a lock that serialised them would show here.
    const waits = new Map<string, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = await selectRows<{ w: string }>(
          handle,
          sql`select coalesce(wait_event_type || ':' || wait_event, 'on CPU') || case when state = 'idle in transaction' then ' (in transaction)' else '' end as w
              from pg_stat_activity where datname = current_database() and application_name = 'bench-audit-writer' and state <> 'idle'`,
        );
        for (const { w } of rows) waits.set(w, (waits.get(w) ?? 0) + 1);
        await sleep(25);
      }
    })();
    const started = Date.now();
    for (const child of children) process.kill(child.servingPid(), "SIGUSR1");
    const counts = await Promise.all(
      children.map(async (child) => {
        const deadline = Date.now() + options.durationS * 1000 + 60_000;
        for (;;) {
          const match = /BENCH_WRITES (\d+)/.exec(child.output());
          if (match) return Number(match[1]);
          if (Date.now() > deadline) throw new Error("an audit writer did not finish");
          await sleep(50);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    sampling = false;
    await sampler;
    const writes = counts.reduce((a, b) => a + b, 0);
    let sealDrainMs: number | undefined;
    if (sealer) {
      const drainStart = Date.now();
      for (;;) {
        const [{ open }] = await selectRows<{ open: number }>(handle, sql`select count(*)::int as open from audit_events where seq is null`);
        if (open === 0) break;
        if (Date.now() - drainStart > 120_000) throw new Error(`${open} audit rows still unsealed 2 minutes after the writers stopped`);
        await sleep(20);
      }
      sealDrainMs = Date.now() - drainStart;
    }
    let writerBackendMs = 0;
    let sealerBackendMs = 0;
    for (const b of await backends()) {
      const used = cpuMs(b.pid) - (cpuBefore.get(b.pid) ?? 0);
      if (b.writer) writerBackendMs += used;
      else sealerBackendMs += used;
    }
    const self = process.cpuUsage(selfBefore);
    const cpuMsPerWrite = {
      writers: writerPids.reduce((sum, pid, i) => sum + cpuMs(pid) - writersBefore[i]!, 0) / writes,
      writerBackends: writerBackendMs / writes,
      sealer: ((self.user + self.system) / 1000 + sealerBackendMs) / writes,
    };
    const samples = [...waits.values()].reduce((a, b) => a + b, 0) || 1;
    const waitShares = [...waits].map(([event, n]) => ({ event, share: n / samples })).sort((a, b) => b.share - a.share);
    const [{ total }] = await selectRows<{ total: number }>(handle, sql`select count(*)::int as total from audit_events`);
    const report = await verifyAuditChain(handle.db);
    const chainOk = report.ok && report.checked === total && total - before === writes;
    const run = { mode, writers, loops: options.loops, writes, seconds, perSecond: writes / seconds, sealDrainMs, chainOk, cpuMsPerWrite, waits: waitShares };
    say(
      `audit writers (${mode}): ${writers} process(es) × ${options.loops}: ${run.perSecond.toFixed(0)} audited writes/s` +
        `${sealDrainMs !== undefined ? `; last rows sealed ${sealDrainMs} ms after the writers stopped` : ""}; chain ${chainOk ? "verified, gap-free" : "BROKEN"}`,
    );
    say(
      `  CPU per audited write: writer processes ${cpuMsPerWrite.writers.toFixed(2)} ms, their PostgreSQL backends ${cpuMsPerWrite.writerBackends.toFixed(2)} ms, sealer ${cpuMsPerWrite.sealer.toFixed(2)} ms; ` +
        `writers' backends: ${waitShares.slice(0, 4).map((w) => `${w.event} ${(w.share * 100).toFixed(0)} %`).join(", ")}; load ${loadavg()[0]!.toFixed(1)}`,
    );
    return run;
  } finally {
    for (const child of children) await stopChild(child);
    await sealer?.stop();
    await handle.close();
  }
}

/** One fresh database per run, so every run starts from the same (empty) chain. */
export async function measureAuditWriters(adminUrl: string, options: AuditWritersOptions, say: (line: string) => void): Promise<AuditWritersRun[]> {
  const runs: AuditWritersRun[] = [];
  const modes: AuditWritersRun["mode"][] = options.locked ? ["unsealed", "locked"] : ["unsealed"];
  for (const mode of modes) {
    for (const writers of options.writers) {
      const db = await createBenchDatabase("postgres", adminUrl);
      try {
        const handle = await db.open();
        await migrateDatabase(handle).finally(() => handle.close());
        runs.push(await runOnce(db, mode, writers, options, say));
      } finally {
        await db.drop().catch(() => {});
      }
    }
  }
  return runs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tmpdir } = await import("node:os");
  const path = await import("node:path");
  const runs = await measureAuditWriters(
    process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL,
    { writers: [1, 2, 4], loops: 4, durationS: Number(process.env.BENCH_DURATION_S ?? 5), logFile: path.join(tmpdir(), "clawlink-audit-writers.log"), locked: true },
    (line) => process.stdout.write(`${line}\n`),
  );
  process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
}
