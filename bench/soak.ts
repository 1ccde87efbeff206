/**
 * `npm run soak`: the production server (worker on) under steady submit load for 10 minutes at 80 %
 * of the maximum rate it sustains, on a fresh database. The maximum is measured first, in the same
 * run: submits at full speed (autocannon, 10 connections) for 15 s with the worker on, then tasks
 * per second from the first submit until the last of them finished — a rate above that grows the
 * queue without end, so it is the rate "submitted and done". Then the soak: that rate × 0.8, RSS of
 * the server sampled every 5 s (reported at start, middle, end), errors counted, queue depth sampled,
 * and at the end the queue must drain. Writes bench/soak.json and bench/SOAK.md; `npm run bench`
 * folds the last soak into bench/results.json. Not a test.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { Command, Option } from "commander";
import { Api } from "./api";
import { snapshotBuild } from "./build";
import { residentBytes, startChild, stopChild, type Child } from "./children";
import { createBenchDatabase, DEFAULT_ADMIN_URL, seedBenchDatabase, type Kind } from "./db";
import { measure, valueText, type Measure } from "./measures";
import { sleep } from "./stats";

// The soak's one user fills every worker slot on purpose: lift the per-user running limit.
process.env.RUNNING_TASKS_PER_USER ??= "ADMIN=100000,DEVELOPER=100000,VIEWER=100000,GUEST=100000";

const int = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${v}`);
  return n;
};

const program = new Command()
  .name("soak")
  .description("Steady submit load at 80% of the measured maximum for 10 minutes: errors, RSS, queue drained")
  .addOption(new Option("--db <kind>", "database").choices(["postgres", "pglite"]).default("postgres"))
  .option("--minutes <n>", "soak length", int, 10)
  .option("--fraction <f>", "share of the measured maximum rate", (v) => Number(v), 0.8)
  .option("--no-build", "use the existing .next build even if the sources changed")
  .option("--out <dir>", "where soak.json and SOAK.md go", "bench");

const say = (line: string) => process.stdout.write(`[soak] ${line}\n`);
const BODY = (prompt: string) => JSON.stringify({ agent_type: "test-echo", prompt, context: {} });
const MB = 2 ** 20;

/** Tasks not finished yet (PENDING, PLANNING, RUNNING, WAITING) among the last 24 h's. */
async function queueDepth(api: Api): Promise<number> {
  const summary = await api.call<{ counts: Record<string, number> }>("GET", "/api/runtime/tasks/summary?hours=24");
  return ["PENDING", "PLANNING", "RUNNING", "WAITING"].reduce((n, s) => n + (summary.counts[s] ?? 0), 0);
}

async function waitDrained(api: Api, timeoutMs: number): Promise<{ drained: boolean; ms: number; left: number }> {
  const started = Date.now();
  for (;;) {
    const left = await queueDepth(api);
    if (left === 0) return { drained: true, ms: Date.now() - started, left };
    if (Date.now() - started > timeoutMs) return { drained: false, ms: Date.now() - started, left };
    await sleep(250);
  }
}

function load(url: string, token: string, prompt: string, opts: { seconds: number; rate?: number }): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: BODY(prompt),
        connections: 10,
        duration: opts.seconds,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

export interface SoakResult {
  when: string;
  database: Kind;
  minutes: number;
  maxRate: number;
  rate: number;
  requests: number;
  non2xx: number;
  errors: number;
  rssMb: { start: number; middle: number; end: number; max: number };
  queueMax: number;
  drained: boolean;
  drainMs: number;
  loadAverage: { start: number[]; end: number[] };
  measures: Measure[];
}

async function main() {
  const opts = program.parse().opts<{ db: Kind; minutes: number; fraction: number; build: boolean; out: string }>();
  const root = process.cwd();
  const loadStart = loadavg();
  if (opts.build) {
    const { buildIfNeeded } = await import("../scripts/lib/build");
    buildIfNeeded(root, (line) => say(`[build] ${line}`));
  }
  const build = await snapshotBuild(root, say);
  const db = await createBenchDatabase(opts.db, process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL);
  let server: Child | undefined;
  try {
    const seeded = await seedBenchDatabase(db);
    server = await startChild(
      "bench/server.ts",
      { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", DATA_DIR: db.dataDir, DATABASE_URL: db.url, CLAWLINK_TEST_AGENT: "1", LOG_LEVEL: "warn", AUTH_SECRET: randomBytes(48).toString("base64url"), BENCH_NEXT_DIR: build.dir, CLAWLINK_WORKER: "on" },
      path.join(db.dataDir, "soak.log"),
    );
    const api = new Api(server.baseURL, seeded.token);
    const url = `${server.baseURL}/api/runtime/tasks/submit`;
    const pid = server.servingPid();

    say("warm-up 5 s …");
    await load(url, seeded.token, "say: soak warm-up", { seconds: 5 });
    await waitDrained(api, 120_000);
    say("measuring the maximum sustained rate: 15 s at full speed with the worker on, until every task finished …");
    const t0 = performance.now();
    const burst = await load(url, seeded.token, "say: soak calibration", { seconds: 15 });
    const calibration = await waitDrained(api, 300_000);
    if (!calibration.drained) throw new Error(`the calibration burst did not drain (${calibration.left} tasks left)`);
    const maxRate = burst.requests.total / ((performance.now() - t0) / 1000);
    const rate = Math.max(1, Math.round(maxRate * opts.fraction));
    say(`maximum: ${burst.requests.total} tasks submitted in 15 s (${(burst.requests.total / 15).toFixed(0)}/s) and done after ${((performance.now() - t0) / 1000).toFixed(1)} s → ${maxRate.toFixed(1)} tasks/s; soaking at ${rate}/s for ${opts.minutes} min`);

    const samples: { at: number; rss: number; queue: number }[] = [];
    const seconds = opts.minutes * 60;
    const soak = load(url, seeded.token, "say: soak", { seconds, rate });
    const started = Date.now();
    const sampler = (async () => {
      while (Date.now() - started < seconds * 1000) {
        await sleep(5_000);
        const at = (Date.now() - started) / 1000;
        const rss = residentBytes(pid) / MB;
        const queue = await queueDepth(api).catch(() => NaN);
        samples.push({ at, rss, queue });
        if (samples.length % 12 === 0) say(`  ${(at / 60).toFixed(0)} min: RSS ${rss.toFixed(0)} MB, ${queue} tasks unfinished`);
      }
    })();
    const result = await soak;
    await sampler;
    const drain = await waitDrained(api, 300_000);
    const near = (t: number) => samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best), samples[0]);
    // "Start" is the first minute's end: the heap has grown to its working size by then.
    const rssMb = { start: near(60).rss, middle: near(seconds / 2).rss, end: near(seconds).rss, max: Math.max(...samples.map((s) => s.rss)) };
    const queueMax = Math.max(...samples.map((s) => s.queue).filter(Number.isFinite));
    const growth = rssMb.end / rssMb.start;
    const measures = [
      measure(`Soak: submits in ${opts.minutes} min at ${rate}/s (${Math.round(opts.fraction * 100)} % of the measured ${maxRate.toFixed(1)}/s)`, result.requests.total, "requests", { database: opts.db }),
      measure("Soak: errors (non-2xx + socket errors)", result.non2xx + result.errors, "errors", { database: opts.db, target: 0 }),
      measure("Soak: server RSS at 1 min", rssMb.start, "MB", { database: opts.db }),
      measure(`Soak: server RSS at ${opts.minutes / 2} min`, rssMb.middle, "MB", { database: opts.db }),
      measure(`Soak: server RSS at ${opts.minutes} min`, rssMb.end, "MB", { database: opts.db }),
      measure("Soak: RSS growth end / start (flat ≤ 1.2)", growth, "×", { database: opts.db, target: 1.2 }),
      measure("Soak: most tasks unfinished at once (sampled)", queueMax, "tasks", { database: opts.db }),
      measure("Soak: tasks left after the load (queue drained)", drain.left, "tasks", { database: opts.db, target: 0, note: `drained ${(drain.ms / 1000).toFixed(1)} s after the load stopped` }),
    ];
    const soakResult: SoakResult = {
      when: new Date().toISOString(),
      database: opts.db,
      minutes: opts.minutes,
      maxRate,
      rate,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      rssMb,
      queueMax,
      drained: drain.drained,
      drainMs: drain.ms,
      loadAverage: { start: loadStart, end: loadavg() },
      measures,
    };
    writeFileSync(path.join(opts.out, "soak.json"), `${JSON.stringify({ ...soakResult, samples }, null, 2)}\n`);
    writeFileSync(path.join(opts.out, "SOAK.md"), renderSoak(soakResult, samples));
    for (const m of measures) say(`${m.name}: ${valueText(m)}${m.met === undefined ? "" : m.met ? " ✓" : " ✗"}`);
    if (measures.some((m) => m.met === false)) process.exitCode = 1;
  } finally {
    await stopChild(server);
    await db.drop().catch(() => {});
    build.remove();
  }
}

function renderSoak(r: SoakResult, samples: { at: number; rss: number; queue: number }[]): string {
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  return [
    "# Soak results",
    "",
    `Run: ${r.when} with \`npm run soak\` on ${r.database === "postgres" ? "PostgreSQL" : "PGlite"}. Load average (1/5/15 min) at the start ${load(r.loadAverage.start)}, at the end ${load(r.loadAverage.end)}.`,
    "",
    "| Measure | Value | Target |",
    "| --- | --- | --- |",
    ...r.measures.map((m) => `| ${m.name} | ${valueText(m)}${m.met === undefined ? "" : m.met ? " ✓" : " ✗"} | ${m.target === undefined ? "" : `≤ ${m.target}`} |`),
    "",
    "Method: production server (worker on, concurrency 4) on a fresh database; the maximum is the rate of tasks submitted at full speed for 15 s " +
      "(10 connections) and run to completion, measured first in the same run; the soak submits one-line test-echo tasks at the fraction of it with " +
      "autocannon's overall rate limit; RSS is the server process's VmRSS every 5 s; the queue depth is the tasks not finished yet.",
    "",
    `RSS (MB) every minute: ${samples.filter((_, i) => (i + 1) % 12 === 0).map((s) => s.rss.toFixed(0)).join(", ")}.`,
    "",
  ].join("\n");
}

main().catch((error: Error) => {
  process.stderr.write(`soak failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
