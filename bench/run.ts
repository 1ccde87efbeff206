/**
 * `npm run bench`: the runtime's performance numbers against PostgreSQL and embedded PGlite in one
 * run — submit throughput through the HTTP API vs. a bare node:http server doing the same INSERTs,
 * submit→RUNNING dispatch latency, and event→SSE delivery latency with many watchers. Prints a
 * table as it goes and writes bench/RESULTS.md. Not a test; `npm test` never runs it.
 * Loopback only; every child process and database it creates is stopped and removed at the end.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Command, Option } from "commander";
import { Api } from "./api";
import { snapshotBuild } from "./build";
import { measureAuditQuery, seedAuditEvents, AUDIT_SEED_EVENTS } from "./audit-query";
import { measureAuditWriters } from "./audit-writers";
import { residentBytes, startChild, stopChild, type Child } from "./children";
import { measureCluster } from "./cluster";
import { clearTasks, createBenchDatabase, DEFAULT_ADMIN_URL, dispatchSamples, probeRoundTrips, seedBenchDatabase, setSynchronousCommit, type BenchDatabase, type Kind } from "./db";
import { DISPATCH_PROMPT, submitAndFinish, submitWindowed } from "./dispatch";
import { measureFirstLoad } from "./first-load";
import { benchPeers } from "./peers";
import { writeResultsJson } from "./results-json";
import { describeMachine, renderResults, renderTable, type KindResult, type RunConfig } from "./report";
import { measureRemote, REMOTE_PROMPT } from "./remote";
import { measureSse } from "./sse";
import { ms, rate, summarize } from "./stats";
import { analyseProfile, largestProfile } from "./profile";
import type { SoakResult } from "./soak";
import { measureThroughput, type Target } from "./throughput";

const int = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${v}`);
  return n;
};

/** The parts of a run, for measuring one lever at a time (`--phases dispatch,sse`). */
const PHASES = ["throughput", "profile", "dispatch", "end-to-end", "first-load", "sse", "ws", "remote", "nosync", "audit-query", "audit-writers", "cluster", "peers"] as const;
type Phase = (typeof PHASES)[number];
function parsePhases(v: string): Set<Phase> {
  const list = v.split(",").map((p) => p.trim()).filter(Boolean);
  const unknown = list.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown phase(s): ${unknown.join(", ")}; choose from ${PHASES.join(", ")}`);
  return new Set(list as Phase[]);
}

const program = new Command()
  .name("bench")
  .description("Benchmark submit throughput, dispatch latency and SSE delivery on Postgres and PGlite")
  .addOption(new Option("--only <kind>", "run one database only").choices(["postgres", "pglite"]))
  .option("--no-build", "use the existing .next build even if the sources changed (default: rebuild if stale, like npm start)")
  .option("--connections <n>", "autocannon connections", int, 10)
  .option("--duration <s>", "measured seconds per throughput run", int, 10)
  .option("--warmup <s>", "warm-up seconds before each throughput run", int, 2)
  .option("--tasks <n>", "tasks for the dispatch latency", int, 1000)
  .option("--window <n>", "dispatch: tasks unfinished at once (keep it below WORKER_CONCURRENCY, default 4)", int, 3)
  .option("--dispatch-max <s>", "dispatch: stop submitting after this many seconds", int, 120)
  .option("--watchers <n>", "concurrent SSE watchers", int, 1000)
  .option("--chunks <n>", "output chunks the SSE task streams", int, 40)
  .option("--chunk-delay <ms>", "milliseconds between chunks", int, 100)
  .option("--no-diagnostics", "skip the diagnostic runs (handler without Next; Postgres with synchronous_commit=off)")
  .option("--end-to-end <n>", "tasks submitted at once and run to completion (ours and the peers')", int, 300)
  .option("--audit-events <n>", "audit events bulk-seeded for the audit query row (PostgreSQL)", int, AUDIT_SEED_EVENTS)
  .option("--cluster-sleep <ms>", "cluster row: how long each task's agent sleeps", int, 2000)
  .option("--no-peers", "skip graphile-worker and pg-boss")
  .option("--no-cluster", "skip the 3-vs-1 worker node row")
  .option("--phases <list>", `run only these phases, comma-separated (${PHASES.join(", ")}); default all`, parsePhases)
  .option("--out <file>", "where to write the results", "bench/RESULTS.md")
  .option("--json <file>", "every measure as JSON", "bench/results.json");

// One bench user fills every worker slot on purpose: lift the per-user running limit (fairness is
// measured by tests, throughput here). Child nodes inherit it.
process.env.RUNNING_TASKS_PER_USER ??= "ADMIN=100000,DEVELOPER=100000,VIEWER=100000,GUEST=100000";

const NOSYNC_PROMPT = "say: bench nosync";
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const opts = program.parse().opts<{
    only?: Kind;
    build: boolean;
    connections: number;
    duration: number;
    warmup: number;
    tasks: number;
    window: number;
    dispatchMax: number;
    watchers: number;
    chunks: number;
    chunkDelay: number;
    diagnostics: boolean;
    endToEnd: number;
    auditEvents: number;
    clusterSleep: number;
    peers: boolean;
    cluster: boolean;
    out: string;
    json: string;
    phases?: Set<Phase>;
  }>();
  const root = process.cwd();
  const config: RunConfig & { wants: (phase: Phase) => boolean } = {
    ...opts,
    adminUrl: process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL,
    wants: (phase) => !opts.phases || opts.phases.has(phase),
  };
  const began = Date.now();
  const loadAtStart = loadavg();

  if (opts.build) {
    const { buildIfNeeded } = await import("../scripts/lib/build");
    buildIfNeeded(root, (line) => say(`[build] ${line}`));
  }
  const build = await snapshotBuild(root, say);
  say(`Using production build ${build.buildId} (private copy in ${build.dir}); load average ${loadavg().map((l) => l.toFixed(1)).join(" / ")}`);

  const kinds: Kind[] = opts.only ? [opts.only] : ["postgres", "pglite"];
  const results: KindResult[] = [];
  try {
    for (const kind of kinds) results.push(await benchKind(kind, config, build.dir));
  } finally {
    build.remove();
  }

  const peers = opts.peers && opts.only !== "pglite" && config.wants("peers") ? await benchPeersPhase(config) : { results: [], errors: [] };

  const machine = describeMachine(results, build.buildId, loadAtStart);
  say("");
  say(renderTable(results, config));
  const run = { results, peers: peers.results, peerErrors: peers.errors, soak: readLastSoak(root) };
  writeFileSync(path.resolve(root, opts.out), renderResults(run, config, machine, Date.now() - began));
  writeResultsJson(path.resolve(root, opts.json), run, config, machine);
  say(`\nWrote ${opts.out} and ${opts.json} (${((Date.now() - began) / 1000).toFixed(0)} s in all)`);
}

async function benchKind(kind: Kind, config: RunConfig & { wants: (phase: Phase) => boolean }, nextDir: string): Promise<KindResult> {
  const label = kind === "postgres" ? "PostgreSQL" : "PGlite";
  const step = (line: string) => say(`[${label}] ${line}`);
  const result: KindResult = { kind, label, version: "", errors: [] };
  let db: BenchDatabase | undefined;
  const running: Child[] = [];
  const extraDbs: BenchDatabase[] = [];
  try {
    db = await createBenchDatabase(kind, config.adminUrl);
    result.version = db.version;
    const seeded = await seedBenchDatabase(db);
    step(`fresh database ready (${kind === "postgres" ? db.url.replace(/\/\/[^@]*@/, "//") : db.pgliteDir})`);
    const log = path.join(db.dataDir, "children.log");
    const serverEnv = {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      CLAWLINK_TEST_AGENT: "1",
      LOG_LEVEL: "warn",
      AUTH_SECRET: randomBytes(48).toString("base64url"),
      BENCH_NEXT_DIR: nextDir,
    };
    // The servers that run tasks: the bench's one user may fill the worker (concurrency 4, as the peers'), so the
    // dispatch window of 3 never queues behind the per-user limit (DEVELOPER=2 by default) and end to end uses every slot.
    const workerEnv = { ...serverEnv, CLAWLINK_WORKER: "on", RUNNING_TASKS_PER_USER: "DEVELOPER=4" };
    const load = { connections: config.connections, durationS: config.duration, warmupS: config.warmup };
    const phase = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        const message = `${name}: ${(error as Error).message}`;
        result.errors.push(message);
        step(`FAILED ${message}`);
      } finally {
        for (const child of running.splice(0)) await stopChild(child);
      }
    };
    const start = async (script: string, env: Record<string, string>, nodeArgs: string[] = []) => {
      const child = await startChild(script, env, log, nodeArgs);
      running.push(child);
      return child;
    };

    if (config.wants("throughput")) await phase("throughput", async () => {
      // Each server gets its own fresh database (PGlite allows one process per folder), same schema and seed.
      const extra = async (name: string) => {
        const other = await createBenchDatabase(kind, config.adminUrl);
        extraDbs.push(other);
        return { db: other, seeded: await seedBenchDatabase(other), name };
      };
      step("starting the production server (worker off), the baseline server and the handler-only server …");
      const product = await start("bench/server.ts", { ...serverEnv, CLAWLINK_WORKER: "off" });
      const base = await extra("baseline");
      const baseline = await start("bench/baseline-server.ts", { DATABASE_URL: base.db.url, BENCH_PGLITE_DIR: base.db.pgliteDir, BENCH_USER_ID: base.seeded.userId });
      const targets: Target[] = [
        { name: "product", url: `${product.baseURL}/api/runtime/tasks/submit`, headers: { authorization: `Bearer ${seeded.token}` } },
        { name: "baseline", url: `${baseline.baseURL}/api/runtime/tasks/submit`, headers: {} },
      ];
      if (config.diagnostics) {
        const bare = await extra("handler");
        const handler = await start("bench/handler-server.ts", { ...serverEnv, DATA_DIR: bare.db.dataDir, DATABASE_URL: bare.db.url });
        targets.push({ name: "handler", url: `${handler.baseURL}/api/runtime/tasks/submit`, headers: { authorization: `Bearer ${bare.seeded.token}` } });
      }
      const measured = await measureThroughput(targets, load, step);
      result.product = measured.get("product");
      result.baseline = measured.get("baseline");
      result.handler = measured.get("handler");
      for (const [name, t] of measured) step(`${name}: ${rate(t.rps)} (p50 ${ms(t.latencyP50)}, p99 ${ms(t.latencyP99)}, non-2xx ${t.non2xx}, errors ${t.errors})`);
      if (result.product && result.baseline) step(`ratio product/baseline: ${(result.product.rps / result.baseline.rps).toFixed(2)} (target ≥ 0.5)`);
      const failed = [...measured].filter(([, t]) => t.non2xx > 0 || t.errors > 0);
      if (failed.length) throw new Error(`${failed.map(([n]) => n).join(", ")} answered errors during the load; see the server output`);
    });
    for (const other of extraDbs.splice(0)) await other.drop().catch(() => {});

    if (config.diagnostics && config.wants("profile")) {
      await phase("CPU profile", async () => {
        const dir = path.join(db!.dataDir, "cpu-profile");
        step("diagnostic: CPU-profiling the production server (worker off) under the same load for 4 s …");
        const child = await start("bench/server.ts", { ...serverEnv, CLAWLINK_WORKER: "off" }, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
        const target = { name: "profiled", url: `${child.baseURL}/api/runtime/tasks/submit`, headers: { authorization: `Bearer ${seeded.token}` } };
        await measureThroughput([target], { ...load, durationS: 1, warmupS: 1 }, () => {});
        const fromUs = Number(process.hrtime.bigint() / 1000n);
        await measureThroughput([target], { ...load, durationS: 4, warmupS: 0 }, () => {});
        const toUs = Number(process.hrtime.bigint() / 1000n);
        for (const c of running.splice(0)) await stopChild(c);
        const file = largestProfile(dir);
        if (!file) throw new Error("the server wrote no CPU profile");
        result.profile = analyseProfile(file, { fromUs, toUs });
        step(`CPU by component: ${result.profile.components.slice(0, 6).map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`).join(", ")}`);
      });
    }
    step(`cleared ${await clearTasks(db)} queued tasks`);

    const probe = await probeRoundTrips(db);
    if (probe) {
      result.roundTrip = { select: summarize(probe.select), commit: summarize(probe.commit) };
      step(`round trip from the bench: select 1 p50 ${ms(result.roundTrip.select.p50)}, one-row insert + commit p50 ${ms(result.roundTrip.commit.p50)} / p99 ${ms(result.roundTrip.commit.p99)}`);
    }

    const serving = ["dispatch", "end-to-end", "first-load", "sse", "ws"] as const;
    if (serving.some((p) => config.wants(p))) await phase("dispatch + SSE", async () => {
      step("starting the production server (worker on) …");
      const child = await start("bench/server.ts", workerEnv);
      const api = new Api(child.baseURL, seeded.token);
      step("dispatch warm-up: 50 tasks …");
      await submitWindowed(api, { count: 50, window: config.window, prompt: "say: bench warm-up", maxMs: 60_000 }, step);
      if (config.wants("dispatch")) {
        step(`dispatch: ${config.tasks} tasks, ${config.window} unfinished at a time …`);
        const run = await submitWindowed(api, { count: config.tasks, window: config.window, prompt: DISPATCH_PROMPT, maxMs: config.dispatchMax * 1000 }, step);
        result.dispatchRun = run;
        step(`dispatch: ${run.submitted} tasks finished in ${(run.wallMs / 1000).toFixed(1)} s${run.capped ? ` (stopped by the ${config.dispatchMax} s cap)` : ""}`);
      }
      if (config.wants("end-to-end")) {
        step(`end to end: ${config.endToEnd} tasks submitted by ${config.connections} at once, run to completion …`);
        result.endToEnd = await submitAndFinish(api, { count: config.endToEnd, producers: config.connections, prompt: "say: bench end to end" });
        step(`end to end: ${result.endToEnd.perSecond.toFixed(1)} tasks/s${result.endToEnd.failed ? ` (${result.endToEnd.failed} failed)` : ""}`);
      }
      if (kind === "postgres" && config.wants("first-load")) {
        // Page weight does not depend on the database: measured once, on this server.
        const pages = await measureFirstLoad(child.baseURL, seeded, ["/", `/tasks/${(await api.submit("say: bench page")).task_id}`]);
        result.firstLoad = pages;
        step(`first-load JS (gzip): ${pages.map((p) => `${p.path} ${(p.gzipBytes / 1024).toFixed(0)} kB in ${p.scripts} scripts`).join(", ")}`);
      }
      if (config.wants("sse")) {
        step(`SSE: ${config.watchers} watchers on one task …`);
        const pid = child.servingPid();
        const rssBefore = residentBytes(pid);
        let rssMax = rssBefore;
        const sampler = setInterval(() => (rssMax = Math.max(rssMax, residentBytes(pid))), 200);
        try {
          result.sse = await measureSse(api, { watchers: config.watchers, chunks: config.chunks, chunkDelayMs: config.chunkDelay }, step);
          step(`SSE: p50 ${ms(result.sse.all.p50)}, p99 ${ms(result.sse.all.p99)} over ${result.sse.all.n} deliveries; ${result.sse.complete}/${config.watchers} watchers got the full log`);
          step(`SSE slowest events: ${describeSlowest(result.sse.slowest)}`);
        } catch (error) {
          result.errors.push(`SSE: ${(error as Error).message}`);
          step(`FAILED SSE: ${(error as Error).message}`);
        } finally {
          clearInterval(sampler);
        }
        result.sseRss = { beforeMb: rssBefore / 2 ** 20, maxMb: rssMax / 2 ** 20 };
        step(`server RSS: ${result.sseRss.beforeMb.toFixed(0)} MB before the watchers, at most ${result.sseRss.maxMb.toFixed(0)} MB with ${config.watchers}`);
      }
      if (config.wants("ws")) {
        step(`WebSocket: ${config.watchers} subscribers (one socket each) on one task …`);
        try {
          result.ws = await measureSse(api, { watchers: config.watchers, chunks: config.chunks, chunkDelayMs: config.chunkDelay }, step, "ws");
          step(`WebSocket: p50 ${ms(result.ws.all.p50)}, p99 ${ms(result.ws.all.p99)} over ${result.ws.all.n} deliveries; ${result.ws.complete}/${config.watchers} subscribers got the full log`);
          step(`WebSocket slowest events: ${describeSlowest(result.ws.slowest)}`);
        } catch (error) {
          result.errors.push(`WebSocket: ${(error as Error).message}`);
          step(`FAILED WebSocket: ${(error as Error).message}`);
        }
      }
    });
    if (config.wants("remote")) await phase("remote node", async () => {
      step("starting the production server (worker off: tasks go to the remote node) …");
      const child = await start("bench/server.ts", { ...serverEnv, CLAWLINK_WORKER: "off" });
      const run = await measureRemote(new Api(child.baseURL, seeded.token), new Api(child.baseURL, seeded.adminToken), { tasks: Math.min(300, config.tasks), window: config.window, events: 20_000 }, step);
      result.remote = { ...run };
      step(`remote: ${run.eventsPerSecond.toFixed(0)} events/s through one node connection${run.failed ? ` (${run.failed} dispatch tasks failed)` : ""}`);
    });
    const remoteSamples = await dispatchSamples(db, REMOTE_PROMPT);
    if (result.remote && remoteSamples.length) {
      result.remote.dispatch = summarize(remoteSamples.map((s) => s.toRunningMs));
      step(`remote dispatch submit→RUNNING: p50 ${ms(result.remote.dispatch.p50)}, p99 ${ms(result.remote.dispatch.p99)} over ${remoteSamples.length} tasks`);
    }
    const samples = await dispatchSamples(db, DISPATCH_PROMPT);
    if (samples.length) {
      result.dispatch = { planning: summarize(samples.map((s) => s.toPlanningMs)), running: summarize(samples.map((s) => s.toRunningMs)) };
      step(`dispatch submit→RUNNING: p50 ${ms(result.dispatch.running.p50)}, p99 ${ms(result.dispatch.running.p99)} over ${samples.length} tasks (submit→PLANNING p50 ${ms(result.dispatch.planning.p50)})`);
    }

    if (kind === "postgres" && config.diagnostics && config.wants("nosync")) {
      const diagnostic: NonNullable<KindResult["noSync"]> = {};
      await phase("diagnostic (synchronous_commit=off)", async () => {
        await setSynchronousCommit(db!, false);
        step("diagnostic: synchronous_commit=off for the bench database (commits do not wait for the WAL flush); worker on …");
        const child = await start("bench/server.ts", workerEnv);
        const api = new Api(child.baseURL, seeded.token);
        const count = Math.min(300, config.tasks);
        await submitWindowed(api, { count, window: config.window, prompt: NOSYNC_PROMPT, maxMs: 60_000 }, step);
        diagnostic.sse = await measureSse(api, { watchers: config.watchers, chunks: Math.min(20, config.chunks), chunkDelayMs: config.chunkDelay }, step);
      });
      const nosync = await dispatchSamples(db, NOSYNC_PROMPT);
      if (nosync.length) diagnostic.dispatch = { planning: summarize(nosync.map((s) => s.toPlanningMs)), running: summarize(nosync.map((s) => s.toRunningMs)) };
      result.noSync = diagnostic;
      step(`diagnostic: dispatch submit→RUNNING p50 ${ms(diagnostic.dispatch?.running.p50 ?? NaN)}, p99 ${ms(diagnostic.dispatch?.running.p99 ?? NaN)}; SSE p50 ${ms(diagnostic.sse?.all.p50 ?? NaN)}, p99 ${ms(diagnostic.sse?.all.p99 ?? NaN)}`);
    }
    if (kind === "postgres" && config.wants("audit-query")) {
      await phase("audit query", async () => {
        const other = await createBenchDatabase(kind, config.adminUrl);
        extraDbs.push(other);
        const seededAudit = await seedBenchDatabase(other);
        step(`audit query: bulk-seeding ${config.auditEvents.toLocaleString("en")} audit events …`);
        const handle = await other.open();
        const auditSeed = await seedAuditEvents(handle, config.auditEvents).finally(() => handle.close());
        const child = await start("bench/server.ts", { ...serverEnv, DATA_DIR: other.dataDir, DATABASE_URL: other.url, CLAWLINK_WORKER: "off" });
        result.auditQuery = await measureAuditQuery(child.baseURL, seededAudit.adminToken, auditSeed, config.auditEvents);
        step(`audit query (page of 100, filtered): p50 ${ms(result.auditQuery.latency.p50)}, p95 ${ms(result.auditQuery.latency.p95)}; slowest filter ${result.auditQuery.byShape[0]?.filter} p95 ${ms(result.auditQuery.byShape[0]?.p95 ?? NaN)}`);
      });
      for (const other of extraDbs.splice(0)) await other.drop().catch(() => {});
    }

    if (kind === "postgres" && config.wants("audit-writers")) {
      await phase("audit writers", async () => {
        step("audit writers: audited writes/s with 1, 2 and 4 writer processes (sealer running), then round 1's global lock …");
        result.auditWriters = await measureAuditWriters(config.adminUrl, { writers: [1, 2, 4], loops: 4, durationS: Math.min(config.duration, 5), logFile: log, locked: config.diagnostics }, step);
      });
    }

    if (kind === "postgres" && config.cluster && config.wants("cluster")) {
      await phase("cluster", async () => {
        const other = await createBenchDatabase(kind, config.adminUrl);
        extraDbs.push(other);
        const seededCluster = await seedBenchDatabase(other);
        const options = { concurrency: 4, sleepMs: config.clusterSleep, tasksPerSlot: 8, logFile: log, env: { ...serverEnv, DATA_DIR: other.dataDir, DATABASE_URL: other.url }, token: seededCluster.token };
        const one = await measureCluster(other, { ...options, nodes: 1 }, step);
        const three = await measureCluster(other, { ...options, nodes: 3 }, step);
        result.cluster = { one, three };
        step(`cluster: 3 nodes ÷ 1 node = ${(three.tasksPerSecond / one.tasksPerSecond).toFixed(2)}× (target ≥ 2.7×)`);
      });
      for (const other of extraDbs.splice(0)) await other.drop().catch(() => {});
    }
  } catch (error) {
    result.errors.push((error as Error).message);
    step(`FAILED ${(error as Error).message}`);
  } finally {
    for (const child of running.splice(0)) await stopChild(child);
    for (const other of extraDbs.splice(0)) await other.drop().catch(() => {});
    if (db) {
      const log = path.join(db.dataDir, "children.log");
      if (result.errors.length && existsSync(log)) {
        const kept = path.join(tmpdir(), `clawlink-bench-${kind}-last.log`);
        copyFileSync(log, kept);
        step(`server output kept in ${kept}`);
      }
      await db.drop().catch((error: Error) => step(`could not drop the bench database: ${error.message}`));
    }
  }
  return result;
}

/** "seq 42 (output) first 12 ms, last 310 ms; …": which events make a stream's tail. */
function describeSlowest(slowest: { seq: number; type: string; firstMs: number; lastMs: number }[]): string {
  return slowest.map((e) => `seq ${e.seq} (${e.type}) first ${ms(e.firstMs)}, last ${ms(e.lastMs)}`).join("; ");
}

/** graphile-worker and pg-boss on the same PostgreSQL, with our node's concurrency and our loads. */
async function benchPeersPhase(config: RunConfig) {
  say("[peers] graphile-worker and pg-boss, each on a fresh database, worker concurrency 4 …");
  return benchPeers(
    { adminUrl: config.adminUrl, concurrency: 4, window: config.window, jobs: config.tasks, maxMs: config.dispatchMax * 1000, producers: config.connections, durationS: config.duration, drainJobs: config.endToEnd },
    (line) => say(`[peers] ${line}`),
  );
}

/** The last `npm run soak` (bench/soak.json), if there is one: it takes 10 minutes, so it runs on its own. */
function readLastSoak(root: string): SoakResult | undefined {
  const file = path.join(root, "bench/soak.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SoakResult) : undefined;
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
