/**
 * `npm run chaos -- [--minutes 5] [--workers 3] [--rate 3] [--fault-every 6]`: a small cluster
 * (worker processes on a fresh PostgreSQL database, through a TCP proxy) under steady load, hit at
 * random by kill -9, SIGSTOP (a few seconds), SIGTERM (graceful stop, then restart), terminated
 * database sessions and short outages (the proxy cut for less than a lease). At the end it reports
 * tasks lost (never finished), run twice (a non-resumable agent started on two attempts), output
 * dropped silently (a completed task's log missing output with no `output_lost` event), failures by
 * cause, wrongly blamed nodes, and detection times. Not part of `npm test`. Needs TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres) with the right to create databases.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Command } from "commander";
import { and, eq, inArray, sql } from "drizzle-orm";
import { openDatabase, type DatabaseHandle } from "../lib/db/client";
import { migrateDatabase } from "../lib/db/migrate";
import { executionEvents, executions, users } from "../lib/db/schema";
import { isTerminal } from "../lib/engine/lifecycle";
import { runtimeFor } from "../lib/runtime";
import type { AuthContext } from "../lib/security/context";
import { permissionsFor } from "../lib/security/permissions";
import { spawnWorkerNode, type NodeProcess } from "../tests/support/node-process";
import { hostPortOf, startTcpProxy } from "../tests/support/tcp-proxy";

const num = (v: string) => Number(v);
const opts = new Command()
  .name("chaos")
  .option("--minutes <n>", "how long to inject faults", num, 5)
  .option("--workers <n>", "worker processes", num, 3)
  .option("--rate <n>", "tasks submitted per second", num, 3)
  .option("--fault-every <s>", "mean seconds between faults", num, 6)
  .option("--lease-ms <ms>", "worker lease", num, 5_000)
  .option("--url <url>", "PostgreSQL admin URL", process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
  .parse()
  .opts<{ minutes: number; workers: number; rate: number; faultEvery: number; leaseMs: number; url: string }>();

type FaultKind = "kill9" | "sigstop" | "sigterm" | "reset" | "outage";
interface Fault {
  kind: FaultKind;
  node: string | null;
  at: number;
  /** Tasks the node held when hit, and when each was recovered by another node. */
  held: { id: string; attempt: number }[];
  detectedMs?: number;
}

const say = (line: string) => process.stdout.write(`[chaos] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T,>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

async function main() {
  (process.env as Record<string, string>).NODE_ENV = "test";
  process.env.LOG_LEVEL ??= "silent";
  process.env.RUNNING_TASKS_PER_USER ??= "ADMIN=100000,DEVELOPER=100000,VIEWER=100000,GUEST=100000";
  const name = `clawlink_chaos_${randomBytes(4).toString("hex")}`;
  const admin = await openDatabase({ url: opts.url, maxConnections: 1 });
  if (admin.raw.kind !== "postgres") throw new Error("chaos needs PostgreSQL");
  await admin.raw.client.unsafe(`create database ${name}`);
  const url = Object.assign(new URL(opts.url), { pathname: `/${name}` }).toString();
  const handle = await openDatabase({ url, maxConnections: 10 });
  const proxy = await startTcpProxy(hostPortOf(url));
  try {
    await migrateDatabase(handle);
    await run(handle, url, proxy);
  } finally {
    await handle.close();
    await proxy.close();
    await admin.raw.client.unsafe(`drop database if exists ${name} with (force)`);
    await admin.close();
  }
}

async function run(handle: DatabaseHandle, url: string, proxy: Awaited<ReturnType<typeof startTcpProxy>>) {
  const { db } = handle;
  const [user] = await db.insert(users).values({ email: `chaos-${randomUUID().slice(0, 8)}@example.com`, name: "chaos", role: "ADMIN" }).returning();
  const ctx: AuthContext = { user: { id: user.id, email: user.email, name: "chaos", role: "ADMIN" }, via: "browser", permissions: permissionsFor("ADMIN"), ip: "127.0.0.1", userAgent: "chaos", requestId: randomUUID() };
  const runtime = runtimeFor(handle);

  const nodes = new Map<string, NodeProcess | null>();
  const start = async (nodeId: string) => {
    nodes.set(nodeId, null);
    const node = await spawnWorkerNode(proxy.urlFor(url), nodeId, { leaseMs: opts.leaseMs, concurrency: 4, drainMs: 4_000, appName: `chaos-${nodeId}` });
    nodes.set(nodeId, node);
    void node.exited.then(async () => {
      if (nodes.get(nodeId) === node && !stopping) await sleep(1_000).then(() => start(nodeId)).catch(() => {});
    });
  };
  let stopping = false;
  for (let i = 1; i <= opts.workers; i++) await start(`chaos-${i}`);
  say(`${opts.workers} workers up; ${opts.rate} tasks/s for ${opts.minutes} min, a fault every ~${opts.faultEvery} s`);

  // Load: tasks whose output is known in advance; half resumable (test-echo), half not.
  const expected = new Map<string, { output: string; resumable: boolean }>();
  let serial = 0;
  const submitOne = async () => {
    const n = ++serial;
    const resumable = n % 2 === 0;
    const steps = [
      { chunks: 15, text: `t${n}`, delay_ms: 40 },
      { sleep_ms: 500 + Math.floor(Math.random() * 3_000) },
      { chunks: 15, text: `u${n}`, delay_ms: 40 },
    ];
    const output = [...Array.from({ length: 15 }, (_, k) => `t${n} ${k + 1}\n`), ...Array.from({ length: 15 }, (_, k) => `u${n} ${k + 1}\n`)].join("");
    const task = await runtime.submitTask(ctx, { agent_type: resumable ? "test-echo" : "test-echo-once", prompt: `chaos ${n}`, context: { steps }, skills: [] });
    expected.set(task.task_id, { output, resumable });
  };

  const faults: Fault[] = [];
  const until = Date.now() + opts.minutes * 60_000;
  const load = (async () => {
    while (Date.now() < until) {
      await submitOne().catch((error: unknown) => say(`submit failed: ${(error as Error).message}`));
      await sleep(1_000 / opts.rate);
    }
  })();

  const heldBy = async (nodeId: string) =>
    db.select({ id: executions.id, attempt: executions.attempt }).from(executions).where(and(eq(executions.claimedBy, nodeId), inArray(executions.state, ["PLANNING", "RUNNING", "WAITING"])));

  /** Time until every task the node held was taken from it: ended, given up, or on a new attempt (kill -9 / SIGSTOP only). */
  const watchRecovery = async (fault: Fault) => {
    const attempts = new Map(fault.held.map((h) => [h.id, h.attempt]));
    while (fault.held.length > 0) {
      const rows = await db.select({ id: executions.id, state: executions.state, claimedBy: executions.claimedBy, attempt: executions.attempt }).from(executions).where(inArray(executions.id, [...attempts.keys()]));
      if (rows.every((r) => isTerminal(r.state) || r.claimedBy !== fault.node || r.attempt !== attempts.get(r.id))) {
        fault.detectedMs = Date.now() - fault.at;
        return;
      }
      if (Date.now() - fault.at > 120_000) return;
      await sleep(100);
    }
  };

  const inject = async () => {
    const kind = pick<FaultKind>(["kill9", "sigstop", "sigterm", "reset", "outage"]);
    const live = [...nodes.entries()].filter((e): e is [string, NodeProcess] => !!e[1] && e[1].alive());
    if (kind === "outage") {
      const fault: Fault = { kind, node: null, at: Date.now(), held: [] };
      faults.push(fault);
      proxy.cut();
      await sleep(Math.floor(opts.leaseMs * (0.3 + Math.random() * 0.5)));
      proxy.restore();
      return;
    }
    if (live.length === 0) return;
    const [nodeId, node] = pick(live);
    const fault: Fault = { kind, node: nodeId, at: Date.now(), held: await heldBy(nodeId) };
    faults.push(fault);
    if (kind === "kill9") {
      node.signal("SIGKILL");
      void watchRecovery(fault);
    } else if (kind === "sigstop") {
      node.signal("SIGSTOP");
      void watchRecovery(fault);
      await sleep(opts.leaseMs + 1_000 + Math.floor(Math.random() * 3_000));
      node.signal("SIGCONT");
    } else if (kind === "sigterm") {
      node.signal("SIGTERM");
    } else {
      await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`chaos-${nodeId}`}`);
    }
  };

  while (Date.now() < until) {
    await sleep(Math.floor(opts.faultEvery * 1_000 * (0.5 + Math.random())));
    if (Date.now() < until) await inject().catch((error: unknown) => say(`fault failed: ${(error as Error).message}`));
  }
  await load;
  say(`load stopped after ${expected.size} tasks; waiting for every task to end…`);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const [{ open }] = await db.select({ open: sql<number>`count(*)::int` }).from(executions).where(inArray(executions.state, ["PENDING", "PLANNING", "RUNNING", "WAITING"]));
    if (open === 0) break;
    await sleep(1_000);
  }
  stopping = true;
  for (const node of nodes.values()) node?.signal("SIGTERM");
  await Promise.all([...nodes.values()].map((n) => n?.exited));
  await report(handle, expected, faults, opts.leaseMs);
}

async function report(handle: DatabaseHandle, expected: Map<string, { output: string; resumable: boolean }>, faults: Fault[], leaseMs: number) {
  const { db } = handle;
  const rows = await db.select().from(executions);
  const events = await db.select().from(executionEvents).orderBy(executionEvents.executionId, executionEvents.seq);
  const byTask = new Map<string, typeof events>();
  for (const e of events) byTask.set(e.executionId, [...(byTask.get(e.executionId) ?? []), e]);

  let lost = 0;
  let runTwice = 0;
  let resumedReplays = 0;
  let silentlyDropped = 0;
  let reportedLost = 0;
  let wronglyBlamed = 0;
  const failures: Record<string, number> = {};
  for (const row of rows) {
    const want = expected.get(row.id);
    if (!want) continue;
    const log = byTask.get(row.id) ?? [];
    if (!isTerminal(row.state)) lost++;
    const runningAttempts = new Set(log.filter((e) => e.type === "state" && e.state === "RUNNING").map((e) => e.attempt));
    if (!want.resumable && runningAttempts.size > 1) runTwice++;
    if (log.some((e) => e.type === "progress" && e.data.resumed === true)) resumedReplays++;
    if (row.state === "FAILED") {
      failures[row.errorCode ?? "unknown"] = (failures[row.errorCode ?? "unknown"] ?? 0) + 1;
      if (row.errorCode === "node_lost") {
        // Blamed on a node that was neither killed nor stopped shortly before: the wrong node.
        const failedAt = log.findLast((e) => e.type === "state" && e.state === "FAILED")?.createdAt.getTime() ?? 0;
        const hit = faults.some((f) => (f.kind === "kill9" || f.kind === "sigstop") && f.node === row.claimedBy && f.at <= failedAt && failedAt - f.at <= leaseMs * 4 + 10_000);
        if (!hit) {
          wronglyBlamed++;
          const near = faults.filter((f) => Math.abs(f.at - failedAt) < 40_000).map((f) => `${f.kind}@${f.node ?? "-"}${f.at - failedAt}ms`);
          say(`blamed ${row.claimedBy} for ${row.id} (attempt ${row.attempt}); faults near: ${near.join(", ") || "none"}`);
        }
      }
    }
    if (row.state === "COMPLETED") {
      const last = log.filter((e) => e.attempt === row.attempt);
      const output = last.filter((e) => e.type === "output").map((e) => String(e.data.text ?? "")).join("");
      if (output !== want.output) {
        if (last.some((e) => e.type === "output_lost")) reportedLost++;
        else silentlyDropped++;
      }
    }
  }
  const detections = faults.filter((f) => f.detectedMs !== undefined && f.held.length > 0).map((f) => f.detectedMs!).sort((a, b) => a - b);
  const pct = (p: number) => (detections.length ? (detections[Math.min(detections.length - 1, Math.floor(p * detections.length))]! / 1000).toFixed(1) : "–");
  const counts = Object.fromEntries((["kill9", "sigstop", "sigterm", "reset", "outage"] as const).map((k) => [k, faults.filter((f) => f.kind === k).length]));
  const summary = {
    tasks: expected.size,
    completed: rows.filter((r) => expected.has(r.id) && r.state === "COMPLETED").length,
    faults: counts,
    lost,
    run_twice: runTwice,
    resumed_replays: resumedReplays,
    output_dropped_silently: silentlyDropped,
    output_loss_reported: reportedLost,
    failed: failures,
    wrongly_blamed: wronglyBlamed,
    detection_s: { count: detections.length, median: pct(0.5), max: detections.length ? (detections.at(-1)! / 1000).toFixed(1) : "–" },
  };
  say("report:");
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  const bad = lost + runTwice + silentlyDropped + wronglyBlamed;
  process.exitCode = bad > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`[chaos] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
