/**
 * Cluster scaling on agent-bound load (PostgreSQL): one web node (worker off) and N worker nodes
 * (`scripts/worker.ts`, each at the default concurrency) on one database; `tasksPerSlot` × N ×
 * concurrency test-echo tasks that each sleep `sleepMs` (an agent waiting on its model), all
 * submitted over HTTP before the workers start (so the submit rate is not what is measured), then
 * the N workers started at once. Throughput = tasks ÷ (last finished_at − first started_at), from
 * the database's clock. With agent-bound work the nodes only add slots, so 3 nodes should approach 3× one.
 */
import { sql } from "drizzle-orm";
import { selectRows } from "../lib/db/sql";
import { Api } from "./api";
import { startChild, stopChild, type Child } from "./children";
import type { BenchDatabase } from "./db";
import { sleep } from "./stats";

export interface ClusterOptions {
  nodes: number;
  concurrency: number;
  sleepMs: number;
  tasksPerSlot: number;
  logFile: string;
  /** Environment for the web node (bench/server.ts) and the workers. */
  env: Record<string, string>;
  token: string;
}

export interface ClusterRun {
  nodes: number;
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
  failed: number;
}

export async function measureCluster(db: BenchDatabase, options: ClusterOptions, say: (line: string) => void): Promise<ClusterRun> {
  const children: Child[] = [];
  const tag = `cluster-${options.nodes}-${Date.now()}`;
  const handle = await db.open();
  try {
    const web = await startChild("bench/server.ts", { ...options.env, CLAWLINK_WORKER: "off" }, options.logFile);
    children.push(web);
    const api = new Api(web.baseURL, options.token);
    const tasks = options.tasksPerSlot * options.nodes * options.concurrency;
    say(`cluster: ${tasks} tasks sleeping ${options.sleepMs} ms queued, starting ${options.nodes} worker node(s) × ${options.concurrency} …`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < tasks) {
          next++;
          await api.submit(`sleep: ${options.sleepMs}; say: ${tag}`);
        }
      }),
    );
    const workers = await Promise.all(
      Array.from({ length: options.nodes }, (_, i) => {
        const args = ["--concurrency", String(options.concurrency), "--node-id", `bench-${tag}-${i}`];
        return startChild("scripts/worker.ts", options.env, options.logFile, [], { ready: `node bench-${tag}-${i} claiming`, args });
      }),
    );
    children.push(...workers);
    const deadline = Date.now() + tasks * options.sleepMs + 120_000;
    for (;;) {
      const [{ open }] = await selectRows<{ open: number }>(handle, sql`select count(*)::int as open from executions where prompt like ${`%${tag}`} and finished_at is null`);
      if (open === 0) break;
      if (Date.now() > deadline) throw new Error(`${open} cluster tasks still unfinished`);
      await sleep(100);
    }
    const [row] = await selectRows<{ seconds: number; failed: number }>(
      handle,
      sql`select extract(epoch from max(finished_at) - min(started_at))::float8 as seconds, count(*) filter (where state <> 'COMPLETED')::int as failed
          from executions where prompt like ${`%${tag}`}`,
    );
    const run = { nodes: options.nodes, tasks, seconds: Number(row.seconds), tasksPerSecond: tasks / Number(row.seconds), failed: Number(row.failed) };
    say(`cluster: ${options.nodes} node(s): ${run.tasksPerSecond.toFixed(2)} tasks/s (${tasks} in ${run.seconds.toFixed(1)} s${run.failed ? `, ${run.failed} not COMPLETED` : ""})`);
    return run;
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await handle.close();
  }
}
