/**
 * The queues people would pick instead of ours, measured in the same run on the same PostgreSQL:
 * graphile-worker 0.17 and pg-boss 10 (their Node 20 lines), each in a fresh database, producer and
 * worker in this process, the same worker concurrency as our node (WORKER_CONCURRENCY, 4) and the
 * same loads as our rows: add_job → handler start latency with a window of unfinished jobs
 * (like our submit→RUNNING), add_job throughput from 10 concurrent producers with no worker (like
 * our submit throughput), and jobs/s submitted and run to completion with the worker on.
 * The handlers do nothing: this is each queue's own cost, without audit, fencing or events.
 */
import { Logger, makeWorkerUtils, run, type Runner } from "graphile-worker";
import pg from "pg";
import PgBoss from "pg-boss";
import { createBenchDatabase } from "./db";
import { summarize, type Summary } from "./stats";

export interface PeerLoad {
  adminUrl: string;
  /** Worker concurrency (our node's WORKER_CONCURRENCY). */
  concurrency: number;
  /** Jobs unfinished at once in the latency phase (our dispatch window). */
  window: number;
  /** Jobs in the latency phase (after 50 warm-up jobs), stopped after maxMs like our dispatch phase. */
  jobs: number;
  maxMs: number;
  /** Concurrent producers and measured seconds for the add_job throughput (our autocannon load). */
  producers: number;
  durationS: number;
  /** Jobs submitted at once and run to completion for the end-to-end rate. */
  drainJobs: number;
}

export interface PeerResult {
  name: string;
  version: string;
  /** add_job call → handler start, milliseconds (same process, one clock). */
  latency: Summary;
  /** add_job calls per second, `producers` at once, no worker. */
  addPerSecond: number;
  /** Jobs per second submitted by `producers` at once and run to completion by the worker. */
  completedPerSecond: number;
  note: string;
}

/** What a peer needs to expose for the three loads. */
interface Queue {
  add(payload: { i: number }): Promise<void>;
  /** Start the worker; the handler runs once per job. */
  startWorker(handler: (payload: { i: number }) => void): Promise<void>;
  stop(): Promise<void>;
}

const QUEUE = "bench";
const PG_BOSS_BATCH = 100;
const WARMUP_JOBS = 50;

async function graphileWorker(url: string, load: PeerLoad): Promise<Queue> {
  const logger = new Logger(() => () => {});
  // Our own pool, shared by the producer and the runner, so the bench decides when its connections end.
  const pgPool = new pg.Pool({ connectionString: url, max: load.producers + load.concurrency + 2 });
  pgPool.on("error", () => {});
  pgPool.on("connect", (client) => client.on("error", () => {}));
  const utils = await makeWorkerUtils({ pgPool, logger });
  await utils.migrate();
  let runner: Runner | undefined;
  return {
    add: async (payload) => void (await utils.addJob(QUEUE, payload)),
    async startWorker(handler) {
      runner = await run({
        pgPool,
        concurrency: load.concurrency,
        noHandleSignals: true,
        logger,
        taskList: { [QUEUE]: async (payload) => handler(payload as { i: number }) },
      });
    },
    async stop() {
      await runner?.stop();
      await utils.release();
      await pgPool.end();
    },
  };
}

async function pgBoss(url: string, load: PeerLoad): Promise<Queue> {
  // Maintenance and cron off: neither is part of add → run, and both would add background load.
  const boss = new PgBoss({ connectionString: url, max: load.producers + load.concurrency, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  await boss.createQueue(QUEUE);
  return {
    add: async (payload) => void (await boss.send(QUEUE, payload)),
    async startWorker(handler) {
      // pg-boss 10 has no per-worker concurrency: `concurrency` workers, each running its batch one job after
      // another, polling at its minimum (0.5 s). Batches of 100 are its fast setting (one fetch per poll).
      for (let i = 0; i < load.concurrency; i++) {
        await boss.work<{ i: number }>(QUEUE, { batchSize: PG_BOSS_BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const job of jobs) handler(job.data);
        });
      }
    },
    stop: () => boss.stop({ graceful: false, wait: true }),
  };
}

const PEERS = [
  { name: "graphile-worker", pkg: "graphile-worker", open: graphileWorker, note: "LISTEN/NOTIFY wake-up, one job per fetch" },
  { name: "pg-boss", pkg: "pg-boss", open: pgBoss, note: "polling every 0.5 s (its minimum in v10), up to 100 jobs per fetch, one after another per worker" },
];

async function packageVersion(pkg: string): Promise<string> {
  const { readFileSync } = await import("node:fs");
  return (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;
}

/** `count` jobs, at most `window` unfinished: add → handler start per job. */
async function windowedLatency(queue: Queue, started: Map<number, () => void>, count: number, window: number, offset: number, maxMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const began = performance.now();
  let next = 0;
  const slot = async () => {
    while (next < count && performance.now() - began < maxMs) {
      const i = offset + next++;
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        started.set(i, () => {
          latencies.push(performance.now() - t0);
          resolve();
        });
        queue.add({ i }).catch(reject);
      });
    }
  };
  await Promise.all(Array.from({ length: window }, slot));
  return latencies;
}

/** `producers` loops calling add for `seconds`; jobs added per second. */
async function addRate(queue: Queue, producers: number, seconds: number, offset: number): Promise<{ perSecond: number; added: number }> {
  const until = performance.now() + seconds * 1000;
  let added = 0;
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (performance.now() < until) await queue.add({ i: offset + added++ });
    }),
  );
  return { perSecond: added / seconds, added };
}

/** Run `fn` on a fresh database with the peer opened on it; both are gone afterwards. */
async function withPeer<T>(peer: (typeof PEERS)[number], load: PeerLoad, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const db = await createBenchDatabase("postgres", load.adminUrl);
  let queue: Queue | undefined;
  try {
    queue = await peer.open(db.url, load);
    return await fn(queue);
  } finally {
    await queue?.stop().catch(() => {});
    await db.drop().catch(() => {});
  }
}

const DRAIN_OFFSET = 10_000_000;

async function benchPeer(peer: (typeof PEERS)[number], load: PeerLoad, say: (line: string) => void): Promise<PeerResult> {
  // add_job alone first, with no worker, so nothing competes with the producers.
  const adds = await withPeer(peer, load, async (queue) => {
    await addRate(queue, load.producers, 1, 0); // warm-up: connections, plans
    return addRate(queue, load.producers, load.durationS, 1_000_000);
  });
  const { latencies, completedPerSecond } = await withPeer(peer, load, async (queue) => {
    const started = new Map<number, () => void>();
    await queue.startWorker(({ i }) => {
      const done = started.get(i);
      started.delete(i);
      done?.();
    });
    await windowedLatency(queue, started, WARMUP_JOBS, load.window, 0, load.maxMs);
    const latencies = await windowedLatency(queue, started, load.jobs, load.window, WARMUP_JOBS, load.maxMs);

    // End to end: `drainJobs` added by `producers` at once, until the last one has run.
    const drainStart = performance.now();
    let remaining = load.drainJobs;
    const allRan = new Promise<void>((resolve) => {
      for (let k = 0; k < load.drainJobs; k++) started.set(DRAIN_OFFSET + k, () => --remaining === 0 && resolve());
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: load.producers }, async () => {
        while (next < load.drainJobs) await queue.add({ i: DRAIN_OFFSET + next++ });
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${remaining} of ${load.drainJobs} jobs had not run after 120 s`)), 120_000);
    });
    await Promise.race([allRan, timeout]).finally(() => clearTimeout(timer));
    return { latencies, completedPerSecond: load.drainJobs / ((performance.now() - drainStart) / 1000) };
  });
  const result: PeerResult = { name: peer.name, version: await packageVersion(peer.pkg), latency: summarize(latencies), addPerSecond: adds.perSecond, completedPerSecond, note: peer.note };
  say(`${peer.name} ${result.version}: add → start p50 ${result.latency.p50.toFixed(1)} ms / p99 ${result.latency.p99.toFixed(1)} ms; add_job ${adds.perSecond.toFixed(0)}/s; end to end ${completedPerSecond.toFixed(0)} jobs/s`);
  return result;
}

/** Every peer in turn (never at once: they would share the two cores). A failed peer is reported, not fatal. */
export async function benchPeers(load: PeerLoad, say: (line: string) => void): Promise<{ results: PeerResult[]; errors: string[] }> {
  const results: PeerResult[] = [];
  const errors: string[] = [];
  for (const peer of PEERS) {
    try {
      results.push(await benchPeer(peer, load, say));
    } catch (error) {
      errors.push(`${peer.name}: ${(error as Error).message}`);
      say(`FAILED ${peer.name}: ${(error as Error).message}`);
    }
  }
  return { results, errors };
}
