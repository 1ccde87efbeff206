/**
 * `npm start` / `npm run dev`: the node's entry point (DESIGN.md §9). Builds if needed,
 * migrates, prints the URL (and the one-time setup link on a fresh database), serves Next
 * through its request handler on a node:http server, starts the worker, shuts down gracefully.
 */
import path from "node:path";
import { Command, Option } from "commander";
import { DEFAULT_TRANSPORTS, parseTransports } from "../lib/transport/select";
import { buildIfNeeded } from "./lib/build";
import { ensureAuthSecret } from "./lib/secrets";
import type { Serving } from "./lib/serve";

const program = new Command()
  .name("coderclawlink")
  .description("Start a coderClawLink node")
  .option("--dev", "development mode (hot reload)", false)
  .option("--host <host>", "interface to bind (HOST)")
  .option("--port <port>", "port to listen on (PORT)")
  .addOption(new Option("--role <role>", "what this node runs").choices(["all", "web", "worker"]).default("all"))
  .addOption(new Option("--transport <names>", "transports to serve, comma-separated: http, ws, clawlink").default(DEFAULT_TRANSPORTS))
  .option("--cluster-mode", "several nodes share DATABASE_URL (requires Postgres)", false)
  .parse();

const opts = program.opts<{ dev: boolean; host?: string; port?: string; role: "all" | "web" | "worker"; transport: string; clusterMode: boolean }>();
const say = (line: string) => process.stdout.write(`[coderclawlink] ${line}\n`);

async function main() {
  const root = process.cwd();
  if (opts.host) process.env.HOST = opts.host;
  if (opts.port) process.env.PORT = opts.port;
  (process.env as Record<string, string>).NODE_ENV ??= opts.dev ? "development" : "production";
  const { env } = await import("../lib/env");
  const config = env();
  if (opts.clusterMode && !config.DATABASE_URL) throw new Error("--cluster-mode needs DATABASE_URL pointing at a shared Postgres");
  const transports = parseTransports(opts.transport);

  const secretSource = ensureAuthSecret(config.DATA_DIR);
  if (secretSource === "generated") say(`Generated a session secret in ${path.resolve(config.DATA_DIR, "auth-secret")}`);

  if (!opts.dev && opts.role !== "worker" && transports.has("http")) buildIfNeeded(root, say);

  const { getDatabase, closeDatabase, migrationStatus } = await import("../lib/db");
  const handle = await getDatabase();
  const migrations = await migrationStatus(handle);
  say(`Database: ${handle.kind === "pglite" ? "embedded PGlite" : "PostgreSQL"} at ${handle.location} (${migrations.applied}/${migrations.expected} migrations applied)`);

  const services = await import("./lib/services");
  await services.prepare(handle, say);

  const stops: (() => Promise<void>)[] = [services.startSessionSweeper(handle), await services.startAuditSealer(handle), await services.startNotifier(handle, say), await services.startVacuum(handle)];
  // Every node sweeps: a worker's engine does it; a web-only node runs the sweeper alone.
  if (opts.role !== "web" && config.CLAWLINK_WORKER === "on") stops.push(await services.startWorker(handle, say));
  else stops.push(await services.startSweeper(handle, say));

  let serving: Serving | undefined;
  if (opts.role !== "worker") {
    const { serveTransports } = await import("./lib/serve");
    serving = await serveTransports({ handle, transports, dev: opts.dev, dir: root, host: config.HOST, port: config.PORT, trustProxy: config.TRUST_PROXY });
    const base = config.APP_URL ?? `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${serving.port}`;
    if (transports.has("ws")) say(`WebSocket runtime protocol at ${base.replace(/^http/, "ws")}/api/runtime/ws`);
    if (transports.has("clawlink")) say(`Remote nodes connect with: clawlink node --portal ${base} --name <name>`);
    if (transports.has("http")) {
      say(`Portal ready at ${base}`);
      await services.announceSignIn(handle, base, say);
    }
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down…`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await serving?.close();
    for (const stop of stops.reverse()) await stop().catch((e) => say(`stop failed: ${(e as Error).message}`));
    await closeDatabase();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: Error) => {
  process.stderr.write(`[coderclawlink] Could not start: ${error.message}\n`);
  process.exit(1);
});
