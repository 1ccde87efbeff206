/**
 * The production server as `npm start` runs it (scripts/start.ts — keep the two in step), minus the
 * build step and the console niceties: the same transports (scripts/lib/serve.ts: Next + the WebSocket), the same start-up services, and
 * the in-process worker when CLAWLINK_WORKER=on. bench/run.ts builds (or not) before spawning this
 * and hands it a private copy of the build (BENCH_NEXT_DIR). Prints `BENCH_READY <port>` when serving.
 */
import { DEFAULT_TRANSPORTS, parseTransports } from "../lib/transport/select";
import { serveTransports } from "../scripts/lib/serve";

const say = (line: string) => process.stdout.write(`[bench-server] ${line}\n`);

async function main() {
  (process.env as Record<string, string>).NODE_ENV = "production";
  const { env } = await import("../lib/env");
  const config = env();
  const { getDatabase, closeDatabase } = await import("../lib/db");
  const handle = await getDatabase();
  const services = await import("../scripts/lib/services");
  await services.prepare(handle, say);
  const stops: (() => Promise<void>)[] = [services.startSessionSweeper(handle), await services.startAuditSealer(handle), await services.startVacuum(handle)];
  if (config.CLAWLINK_WORKER === "on") stops.push(await services.startWorker(handle, say));

  const serving = await serveTransports({
    handle,
    transports: parseTransports(DEFAULT_TRANSPORTS),
    dev: false,
    // The bench's private copy of the project's build (bench/build.ts); the project itself otherwise.
    dir: process.env.BENCH_NEXT_DIR || process.cwd(),
    host: config.HOST,
    port: config.PORT,
    trustProxy: config.TRUST_PROXY,
  });
  const { server } = serving;
  // 1,000 long-lived SSE watchers plus the load generator: no per-server socket cap, no idle cut-off.
  server.maxConnections = 20_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;
  say(`BENCH_READY ${serving.port} ${handle.kind} pid=${process.pid}`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    const closing = serving.close();
    server.closeAllConnections();
    await closing;
    for (const stop of stops.reverse()) await stop().catch((e: Error) => say(`stop failed: ${e.message}`));
    await closeDatabase();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
}

main().catch((error: Error) => {
  process.stderr.write(`[bench-server] could not start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
