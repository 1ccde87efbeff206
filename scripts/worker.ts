/**
 * `npm run worker`: a worker-only node. It claims tasks from the shared queue (DATABASE_URL; or the
 * embedded PGlite under DATA_DIR when this is the only process using it), runs their agents,
 * heartbeats, and recovers lost work. SIGTERM/SIGINT stop it gracefully.
 */
import { Command } from "commander";

const int = (value: string) => {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${value}`);
  return n;
};

const program = new Command()
  .name("worker")
  .description("Run a coderClawLink worker node (no web server)")
  .option("--concurrency <n>", "tasks this node runs at once (WORKER_CONCURRENCY)", int)
  .option("--node-id <id>", "node id recorded in `nodes` (default: host-pid-random)")
  .option("--lease-ms <ms>", "claim lease; a dead node's tasks are recovered after it", int)
  .option("--heartbeat-ms <ms>", "lease renewal interval", int)
  .option("--sweep-ms <ms>", "recovery sweep interval", int)
  .option("--poll-ms <ms>", "fallback claim poll (wake-ups come by NOTIFY)", int)
  .option("--drain-ms <ms>", "on SIGTERM, how long running tasks may finish before being abandoned", int, 10_000)
  .option("--embedded", "allow the embedded PGlite database (only if no other process uses DATA_DIR)", false);

async function main() {
  const opts = program.parse().opts<{ concurrency?: number; nodeId?: string; leaseMs?: number; heartbeatMs?: number; sweepMs?: number; pollMs?: number; drainMs: number; embedded: boolean }>();
  const { env } = await import("../lib/env");
  if (!env().DATABASE_URL && !opts.embedded) {
    // PGlite is one process's database: a second process opening the same folder would corrupt it.
    console.error("worker: set DATABASE_URL to the shared Postgres (a worker node shares the queue with the web nodes).");
    console.error("worker: to run against the embedded PGlite in DATA_DIR while no web server uses it, pass --embedded.");
    process.exit(2);
  }
  const { getDatabase, closeDatabase } = await import("../lib/db");
  const { startWorker } = await import("../lib/runtime/worker");
  const handle = await getDatabase();
  console.log(`worker: database ${handle.kind} at ${handle.location} (migrated)`);
  const worker = await startWorker({
    handle,
    nodeId: opts.nodeId,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    heartbeatMs: opts.heartbeatMs,
    sweepMs: opts.sweepMs,
    pollMs: opts.pollMs,
  });
  const { startAuditSealer } = await import("../lib/security/audit-sealer");
  const sealer = await startAuditSealer(handle, { nodeId: worker.nodeId });
  const { startVacuumLoop } = await import("../lib/db/vacuum");
  const vacuum = startVacuumLoop(handle);
  console.log(`worker: node ${worker.nodeId} claiming up to ${worker.engine.concurrency} tasks at once; Ctrl-C or SIGTERM stops it`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`worker: ${signal}: no new claims; letting running tasks finish for up to ${opts.drainMs} ms`);
    await worker.stop({ drainMs: opts.drainMs });
    await sealer.stop();
    await vacuum.stop();
    await closeDatabase();
    console.log("worker: stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error("worker: failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
