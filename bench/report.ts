import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AuditQueryResult } from "./audit-query";
import type { AuditWritersRun } from "./audit-writers";
import type { ClusterRun } from "./cluster";
import type { DispatchRun } from "./dispatch";
import type { FirstLoad } from "./first-load";
import type { PeerResult } from "./peers";
import { targetText, valueText, type Measure } from "./measures";
import { TARGETS as JSON_TARGETS } from "./results-json";
import { collectMeasures, TARGETS as ALL_TARGETS } from "./results-json";
import type { SoakResult } from "./soak";
import type { ProfileBreakdown } from "./profile";
import type { SseResult } from "./sse";
import { ms, rate, type Summary } from "./stats";
import type { ThroughputResult } from "./throughput";

export interface RunConfig {
  connections: number;
  duration: number;
  warmup: number;
  tasks: number;
  window: number;
  dispatchMax: number;
  watchers: number;
  chunks: number;
  chunkDelay: number;
  adminUrl: string;
  build: boolean;
  diagnostics: boolean;
  endToEnd: number;
  auditEvents: number;
  clusterSleep: number;
  peers: boolean;
  cluster: boolean;
  /** A subset run (`--phases`): what it did not measure is shown as "—", not "failed". */
  phases?: Set<string>;
}

export interface KindResult {
  kind: "postgres" | "pglite";
  label: string;
  version: string;
  product?: ThroughputResult;
  baseline?: ThroughputResult;
  /** Diagnostic: our route handler on bare node:http (no Next). */
  handler?: ThroughputResult;
  dispatchRun?: DispatchRun;
  dispatch?: { planning: Summary; running: Summary };
  sse?: SseResult;
  /** The same delivery measure over the WebSocket transport (one socket per subscriber). */
  ws?: SseResult;
  /** Remote node (clawlink v1): submit→RUNNING on a node over its socket, and events per second through one connection. */
  remote?: { dispatch?: Summary; eventsPerSecond: number; events: number; tasks: number; failed: number };
  /** Diagnostic (Postgres): the same dispatch and SSE runs with synchronous_commit=off. */
  /** Diagnostic: where the production server's CPU went during submit load. */
  profile?: ProfileBreakdown;
  /** Postgres: one `select 1` and one single-row insert + commit from the bench process, before the worker phases. */
  roundTrip?: { select: Summary; commit: Summary };
  noSync?: { dispatch?: { planning: Summary; running: Summary }; sse?: SseResult };
  /** Tasks submitted at once and run to completion (worker on), like the peers' jobs/s. */
  endToEnd?: { perSecond: number; failed: number };
  /** Server RSS before the SSE watchers connected and the most while they were connected. */
  sseRss?: { beforeMb: number; maxMb: number };
  firstLoad?: FirstLoad[];
  auditQuery?: AuditQueryResult;
  cluster?: { one: ClusterRun; three: ClusterRun };
  /** Audited writes/s with 1, 2, 4 writer processes (and round 1's global lock, diagnostic). */
  auditWriters?: AuditWritersRun[];
  errors: string[];
}

/** Everything one `npm run bench` measured. */
export interface BenchRun {
  results: KindResult[];
  peers: PeerResult[];
  peerErrors: string[];
  /** The last `npm run soak`, run on its own. */
  soak?: SoakResult;
}

export interface Machine {
  lines: string[];
}

const TARGETS = { ratio: ALL_TARGETS.submitRatio, dispatchP50: ALL_TARGETS.dispatchP50, dispatchP99: ALL_TARGETS.dispatchP99, sseP99: ALL_TARGETS.streamP99 };

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function describeMachine(results: KindResult[], buildId: string, loadAtStart: number[]): Machine {
  const cpus = os.cpus();
  const pglite = JSON.parse(readFileSync(path.resolve("node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  return {
    lines: [
      `- CPU: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}`,
      `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
      `- Node: ${process.version}`,
      `- PostgreSQL: ${results.find((r) => r.kind === "postgres")?.version || "not run"}`,
      `- PGlite: @electric-sql/pglite ${pglite.version} (${results.find((r) => r.kind === "pglite")?.version || "not run"})`,
      `- Code: commit ${tryRun("git", ["rev-parse", "--short", "HEAD"])}, production build ${buildId}`,
      `- Load average (1/5/15 min) at the start: ${load(loadAtStart)}, at the end: ${load(os.loadavg())} — the machine is shared with other work, which shows up in every number`,
    ],
  };
}

const ratioOf = (r: KindResult) => (r.product && r.baseline ? r.product.rps / r.baseline.rps : NaN);
const mark = (ok: boolean | null) => (ok === null ? "" : ok ? " ✓" : " ✗");
const check = (value: number, limit: number, higherIsBetter = false): boolean | null => (Number.isFinite(value) ? (higherIsBetter ? value >= limit : value <= limit) : null);

export function renderTable(results: KindResult[], config: RunConfig): string {
  const none = config.phases ? "—" : "failed";
  const head = ["Measure", ...results.map((r) => r.label), "Target"];
  const row = (name: string, cell: (r: KindResult) => string, target = "") => [name, ...results.map(cell), target];
  const pg = (r: KindResult, v: string, ok: boolean | null) => `${v}${r.kind === "postgres" ? mark(ok) : ""}`;
  const rows = [
    row(`Submit throughput, product (HTTP API, ${config.connections} conns, ${config.duration} s)`, (r) => (r.product ? rate(r.product.rps) : none)),
    row("Submit throughput, baseline (node:http, same INSERTs)", (r) => (r.baseline ? rate(r.baseline.rps) : none)),
    row("Ratio product / baseline", (r) => `${ratioOf(r).toFixed(2)}${mark(check(ratioOf(r), TARGETS.ratio, true))}`, "≥ 0.5"),
    row("Submit latency p50 / p99, product", (r) => (r.product ? `${ms(r.product.latencyP50)} / ${ms(r.product.latencyP99)}` : "")),
    row("Submit latency p50 / p99, baseline", (r) => (r.baseline ? `${ms(r.baseline.latencyP50)} / ${ms(r.baseline.latencyP99)}` : "")),
    row(`Dispatch submit→PLANNING (claimed) p50 / p99`, (r) => (r.dispatch ? `${ms(r.dispatch.planning.p50)} / ${ms(r.dispatch.planning.p99)}` : none)),
    row(`Dispatch submit→RUNNING p50 (${config.tasks} tasks, window ${config.window})`, (r) => (r.dispatch ? pg(r, ms(r.dispatch.running.p50), check(r.dispatch.running.p50, TARGETS.dispatchP50)) : none), "≤ 5 ms (Postgres)"),
    row("Dispatch submit→RUNNING p99", (r) => (r.dispatch ? pg(r, ms(r.dispatch.running.p99), check(r.dispatch.running.p99, TARGETS.dispatchP99)) : none), "≤ 25 ms (Postgres)"),
    row(`SSE event→client p50 (${config.watchers} watchers)`, (r) => (r.sse ? ms(r.sse.all.p50) : none)),
    row("SSE event→client p99", (r) => (r.sse ? `${ms(r.sse.all.p99)}${mark(check(r.sse.all.p99, TARGETS.sseP99))}` : none), "≤ 50 ms"),
    row("SSE first watcher per event p50 / p99", (r) => (r.sse ? `${ms(r.sse.first.p50)} / ${ms(r.sse.first.p99)}` : "")),
    row("SSE fan-out spread (last − first watcher) p50 / p99", (r) => (r.sse ? `${ms(r.sse.spread.p50)} / ${ms(r.sse.spread.p99)}` : "")),
    row("SSE watchers with the complete ordered log", (r) => (r.sse ? `${r.sse.complete} / ${config.watchers}` : "")),
    row(`WebSocket event→client p50 (${config.watchers} subscribers)`, (r) => (r.ws ? ms(r.ws.all.p50) : none)),
    row("WebSocket event→client p99", (r) => (r.ws ? `${ms(r.ws.all.p99)}${mark(check(r.ws.all.p99, TARGETS.sseP99))}` : none), "≤ 50 ms"),
    row("WebSocket first subscriber per event p50 / p99", (r) => (r.ws ? `${ms(r.ws.first.p50)} / ${ms(r.ws.first.p99)}` : "")),
    row("WebSocket fan-out spread (last − first) p50 / p99", (r) => (r.ws ? `${ms(r.ws.spread.p50)} / ${ms(r.ws.spread.p99)}` : "")),
    row("WebSocket subscribers with the complete ordered log", (r) => (r.ws ? `${r.ws.complete} / ${config.watchers}` : "")),
    row("Remote node dispatch submit→RUNNING p50 / p99 (clawlink v1)", (r) => (r.remote?.dispatch ? `${ms(r.remote.dispatch.p50)} / ${ms(r.remote.dispatch.p99)} (${r.remote.tasks} tasks)` : none)),
    row("Remote node events/s through one connection", (r) => (r.remote ? `${r.remote.eventsPerSecond.toFixed(0)} events/s (${r.remote.events} events)` : "failed")),
  ];
  if (config.diagnostics) {
    const pair = (s?: Summary) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : "");
    rows.push(
      row("*Diagnostic:* submit throughput, our handler on node:http without Next", (r) => (r.handler ? `${rate(r.handler.rps)} (${ms(r.handler.latencyP50)} p50)` : "")),
      row("*Diagnostic:* one round trip (select 1) / one insert + commit, p50", (r) => (r.roundTrip ? `${ms(r.roundTrip.select.p50)} / ${ms(r.roundTrip.commit.p50)}` : "")),
      row("*Diagnostic:* SSE client event-loop delay p50 / p99 (measuring process)", (r) => (r.sse ? `${ms(r.sse.clientLag.p50)} / ${ms(r.sse.clientLag.p99)}` : "")),
      row("*Diagnostic:* synchronous_commit=off, dispatch submit→RUNNING p50 / p99", (r) => pair(r.noSync?.dispatch?.running)),
      row("*Diagnostic:* synchronous_commit=off, SSE event→client p50 / p99", (r) => pair(r.noSync?.sse?.all)),
    );
  }
  const table = [head, head.map(() => "---"), ...rows];
  return table.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** One paragraph per missed target, built from the breakdown this run measured. */
function explanations(results: KindResult[]): string[] {
  const notes: string[] = [];
  const perRequest = (t: ThroughputResult) => 1000 / t.rps;
  for (const r of results) {
    const ratio = ratioOf(r);
    if (r.product && r.baseline && ratio < TARGETS.ratio) {
      const split = r.handler
        ? ` The product now answers the API on its own node:http server ahead of Next, so the diagnostic tier (the same adapter in a process without Next: ${rate(r.handler.rps)}) ` +
          `is the same code path: our handler and lib add ${ms(perRequest(r.handler) - perRequest(r.baseline))} per request over the bare INSERTs, and the product's process ` +
          `(Next loaded beside it, the node's start-up services) differs from it by ${ms(perRequest(r.product) - perRequest(r.handler))}.`
        : "";
      notes.push(
        `**${r.label}: throughput ratio ${ratio.toFixed(2)} < 0.5.** Both servers write the same rows (the product in one prepared statement, the baseline in five statements in a transaction), with the same load; per request (1 ÷ throughput, all connections together) the product costs ${ms(perRequest(r.product))} against the baseline's ${ms(perRequest(r.baseline))}.` +
          split +
          (r.profile
            ? ` The CPU profile above shows the server's main thread busy ${((r.profile.busyMs / r.profile.windowMs) * 100).toFixed(0)}% of the time under this load — ` +
              `the product is CPU-bound in its own process; biggest shares: ${r.profile.components
                .slice(0, 4)
                .map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`)
                .join(", ")}.`
            : "") +
          ` What our handler adds before the enqueue statement: the bearer lookup (cached for up to 500 ms), one statement for the admission facts (agent enabled, policies, ` +
          `placement candidates), zod parsing, the Fetch Request/Response objects and the DTO.` +
          (r.kind === "pglite" ? " On PGlite the statements also queue on the single embedded connection, serialised with the writes, and are planned again each time (no prepared statements)." : ""),
      );
    }
    if (r.kind === "postgres" && r.dispatch && (r.dispatch.running.p50 > TARGETS.dispatchP50 || r.dispatch.running.p99 > TARGETS.dispatchP99)) {
      const d = r.dispatch;
      const noSync = r.noSync?.dispatch;
      const rt = r.roundTrip;
      notes.push(
        `**${r.label}: dispatch submit→RUNNING p50 ${ms(d.running.p50)} / p99 ${ms(d.running.p99)} (targets 5 / 25 ms).** It is driven by NOTIFY, not by the 2 s fallback poll ` +
          `(a poll-driven claim would average about 1 s). The measured span is short in database terms: the rest of the submit statement after it started (the row, ` +
          `its PENDING event, the audit row and two NOTIFYs in one prepared statement) and its COMMIT, the NOTIFY reaching the worker's LISTEN connection, and the claim ` +
          `transaction's BEGIN, whose now() is the timestamp of both the PLANNING and the RUNNING event when the task needs no planning (the claim moves it straight to RUNNING) — ` +
          `submit→PLANNING p50 ${ms(d.planning.p50)} / p99 ${ms(d.planning.p99)}, PLANNING→RUNNING ≈ ${ms(d.running.p50 - d.planning.p50)} at the p50.` +
          (rt
            ? ` The database itself is not the cost: measured from the bench during this run, one round trip takes ${ms(rt.select.p50)} and a one-row commit ${ms(rt.commit.p50)} ` +
              `(p50), so the span's raw database time is about ${ms(2 * rt.select.p50 + rt.commit.p50)}. The rest is the one server process between those steps — its ` +
              `event loop also serving the HTTP requests, the SSE streams and the worker's runs — ` +
              `each wake-up also waiting for a CPU on two cores shared with Postgres, the client and other work.`
            : "") +
          (noSync
            ? noSync.running.p50 < d.running.p50 * 0.8
              ? ` With synchronous_commit=off (diagnostic only) p50 ${ms(noSync.running.p50)} / p99 ${ms(noSync.running.p99)}: the WAL flushes are a real part of it.`
              : ` With synchronous_commit=off (diagnostic only) it is no faster (p50 ${ms(noSync.running.p50)} / p99 ${ms(noSync.running.p99)}): the disk flushes are not what dominates.`
            : ""),
      );
    }
    if (r.sse && r.sse.all.p99 > TARGETS.sseP99) {
      const noSync = r.noSync?.sse;
      notes.push(
        `**${r.label}: SSE p99 ${ms(r.sse.all.p99)} > 50 ms.** The first watcher of each event sees it after p50 ${ms(r.sse.first.p50)} / p99 ${ms(r.sse.first.p99)} ` +
          `(the output statement's commit → its rows handed to the server's event hub, written by the worker in the same process → one SSE frame), the last watcher ${ms(r.sse.spread.p50)} (p50) / ` +
          `${ms(r.sse.spread.p99)} (p99) after the first: that spread is one pre-built chunk written to each of the ${r.sse.watchers} sockets in one synchronous loop ` +
          `(about 20 µs of kernel time per write on loopback). ` +
          (r.sse.first.p99 > 4 * r.sse.first.p50
            ? `The tail is a few events that reached nobody in time, not the fan-out: slowest ${slowestOf(r.sse.slowest)}. They were late before the first socket write — between the ` +
              `event's transaction start and the hub's handoff: the writing statement's commit (its WAL flush; a NOTIFYing commit also holds PostgreSQL's notify-queue ` +
              `lock through that flush) or a stall of the server's event loop. ` +
              `One late event is ${(100 / r.sse.liveEvents).toFixed(1)} % of all deliveries, so a single one sets the p99. `
            : "") +
          `The measuring client shares the two cores and parses ` +
          `${r.sse.watchers} streams itself: its own event loop was delayed p50 ${ms(r.sse.clientLag.p50)} / p99 ${ms(r.sse.clientLag.p99)} (max ${ms(r.sse.clientLag.max)}), ` +
          `which lands in these numbers too.` +
          (noSync ? ` With synchronous_commit=off (diagnostic) p50 ${ms(noSync.all.p50)} / p99 ${ms(noSync.all.p99)}.` : ""),
      );
    }
    if (r.ws && r.ws.all.p99 > TARGETS.sseP99) {
      notes.push(
        `**${r.label}: WebSocket p99 ${ms(r.ws.all.p99)} > 50 ms.** The first subscriber of each event sees it after p50 ${ms(r.ws.first.p50)} / p99 ${ms(r.ws.first.p99)} ` +
          `(commit → the rows handed to the event hub → one frame), the last ${ms(r.ws.spread.p50)} (p50) / ${ms(r.ws.spread.p99)} (p99) after the first: the frame is ` +
          `serialised once and the same bytes are written to each of the ${r.ws.watchers} sockets in one synchronous loop. Slowest: ${slowestOf(r.ws.slowest)}. The measuring ` +
          `client parses ${r.ws.watchers} sockets on the same two cores: its event loop was delayed p50 ${ms(r.ws.clientLag.p50)} / p99 ${ms(r.ws.clientLag.p99)} (max ${ms(r.ws.clientLag.max)}).`,
      );
    }
  }
  return notes;
}

function slowestOf(slowest: { seq: number; type: string; firstMs: number; lastMs: number }[] | undefined): string {
  return (slowest ?? []).slice(0, 3).map((e) => `seq ${e.seq} (${e.type}: first watcher ${ms(e.firstMs)}, last ${ms(e.lastMs)})`).join(", ") || "—";
}

/** Notes for the missed rows of the scale table (memory, audit writers). */
function scaleExplanations(results: KindResult[]): string[] {
  const notes: string[] = [];
  for (const r of results) {
    if (r.sseRss && r.sseRss.maxMb > JSON_TARGETS.sseRssMb) {
      notes.push(
        `**${r.label}: node RSS ${r.sseRss.maxMb.toFixed(0)} MB > ${JSON_TARGETS.sseRssMb} MB.** ${r.sseRss.beforeMb.toFixed(0)} MB of it was there before the watchers connected ` +
          `(they added ${(r.sseRss.maxMb - r.sseRss.beforeMb).toFixed(0)} MB): the process after the dispatch and end-to-end phases — V8's heap, the node binary` +
          (r.kind === "pglite"
            ? `, the embedded database's WebAssembly memory (about 32 MB touched of the 128 MB it reserves) and compiled code, and the malloc pools of V8's background compiler threads, which recompile PGlite's hot functions and keep what those compiles freed (one thread with npm start's --v8-pool-size=1; README: Memory).`
            : `.`),
      );
    }
    const unsealed = (r.auditWriters ?? []).filter((w) => w.mode === "unsealed");
    const [one, four] = [unsealed.find((w) => w.writers === 1), unsealed.find((w) => w.writers === 4)];
    if (one && four && four.perSecond / one.perSecond < JSON_TARGETS.auditWritersScaling) {
      const cpu = one.cpuMsPerWrite;
      const waits = (four.waits ?? []).slice(0, 3).map((w) => `${w.event} ${(w.share * 100).toFixed(0)}%`).join(", ");
      notes.push(
        `**${r.label}: audited writes with 4 writer processes ÷ 1 = ${(four.perSecond / one.perSecond).toFixed(2)} < 1.** Nothing in the database serialises the writers any more: ` +
          `their backends wait on no lock (${waits || "no samples"}; round 1's global lock showed Lock:advisory most of the time). The machine does: ` +
          (cpu ? `each audited write costs ${ms(cpu.writers)} of CPU in its writer process, ${ms(cpu.writerBackends)} in its PostgreSQL backend and ${ms(cpu.sealer)} in the sealer, so ` : "") +
          `one writer process with 4 concurrent transactions already keeps both cores busy; more processes add contention, not capacity. The same run under round 1's global lock: ` +
          `${(r.auditWriters ?? []).filter((w) => w.mode === "locked").map((w) => `${w.writers} → ${w.perSecond.toFixed(0)}/s`).join(", ")}.`,
      );
    }
  }
  return notes;
}

function profileSection(results: KindResult[]): string[] {
  const profiled = results.filter((r) => r.profile);
  if (profiled.length === 0) return [];
  const names = [...new Set(profiled.flatMap((r) => r.profile!.components.map((c) => c.name)))];
  const share = (r: KindResult, name: string) => {
    const c = r.profile!.components.find((x) => x.name === name);
    return c ? `${(c.share * 100).toFixed(1)}%` : "—";
  };
  names.sort((a, b) => Math.max(...profiled.map((r) => parseFloat(share(r, b)) || 0)) - Math.max(...profiled.map((r) => parseFloat(share(r, a)) || 0)));
  return [
    "## Where the product server's CPU goes during submit load",
    "",
    "A V8 CPU profile of the production server (worker off) under the same autocannon load for 4 s, self time by component; Next's bundled chunks are mapped back to their original files with the build's source maps. Idle time excluded.",
    "",
    `| Component | ${profiled.map((r) => `${r.label} (main thread busy ${((r.profile!.busyMs / r.profile!.windowMs) * 100).toFixed(0)}% of ${(r.profile!.windowMs / 1000).toFixed(1)} s)`).join(" | ")} |`,
    `| --- | ${profiled.map(() => "---").join(" | ")} |`,
    ...names.map((name) => `| ${name} | ${profiled.map((r) => share(r, name)).join(" | ")} |`),
    "",
  ];
}

/** Rows of measures with their targets and ✓/✗. */
function measureTable(measures: Measure[]): string[] {
  const db = (m: Measure) => (m.database === "postgres" ? "PostgreSQL" : m.database === "pglite" ? "PGlite" : "");
  return [
    "| Measure | Database | Value | Target | Note |",
    "| --- | --- | --- | --- | --- |",
    ...measures.map((m) => `| ${m.name} | ${db(m)} | ${valueText(m)}${m.met === undefined ? "" : m.met ? " ✓" : " ✗"} | ${targetText(m)} | ${m.note ?? ""} |`),
  ];
}

function peersSection(run: BenchRun, config: RunConfig, measures: Measure[]): string[] {
  if (run.peers.length === 0 && run.peerErrors.length === 0) return [];
  const ours = run.results.find((r) => r.kind === "postgres");
  const row = (name: string, latency: string, add: string, e2e: string, note: string) => `| ${name} | ${latency} | ${add} | ${e2e} | ${note} |`;
  return [
    "## Peers in the same run (PostgreSQL)",
    "",
    `Same PostgreSQL server, same machine, each queue on a fresh database, worker concurrency 4, the same loads as our rows: latency with ${config.window} jobs unfinished at once ` +
      `(${config.tasks} jobs after 50 warm-up, stopped after ${config.dispatchMax} s), add_job from ${config.connections} producers for ${config.duration} s with no worker, and ` +
      `${config.endToEnd} jobs added at once and run to completion. Peer handlers do nothing; our tasks also write the audit trail, the event log with its NOTIFYs, ` +
      "the fencing attempt and lease, the state changes, and run the test-echo agent. Our latency is the database's clock (submit transaction → RUNNING transaction); " +
      "the peers' is this process's clock from the add_job call to the handler's first line.",
    "",
    "| Queue | add → start p50 / p99 | add (submit) throughput | end to end | How it wakes |",
    "| --- | --- | --- | --- | --- |",
    ...(ours
      ? [
          row(
            "**coderClawLink** (HTTP submit, auth, audit, events)",
            ours.dispatch ? `${ms(ours.dispatch.running.p50)} / ${ms(ours.dispatch.running.p99)} (to RUNNING)` : "failed",
            ours.product ? rate(ours.product.rps) : "failed",
            ours.endToEnd ? `${ours.endToEnd.perSecond.toFixed(0)} tasks/s` : "",
            "LISTEN/NOTIFY, claim with SKIP LOCKED",
          ),
        ]
      : []),
    ...run.peers.map((p) => row(`${p.name} ${p.version}`, `${ms(p.latency.p50)} / ${ms(p.latency.p99)}`, `${p.addPerSecond.toFixed(0)} jobs/s`, `${p.completedPerSecond.toFixed(0)} jobs/s`, p.note)),
    "",
    ...measureTable(measures.filter((m) => m.name.startsWith("Goal:"))),
    "",
    ...(run.peerErrors.length ? [`Peers that failed: ${run.peerErrors.join("; ")}`, ""] : []),
  ];
}

export function renderResults(run: BenchRun, config: RunConfig, machine: Machine, elapsedMs: number): string {
  const results = run.results;
  const notes = [...explanations(results), ...scaleExplanations(results)];
  const errors = results.flatMap((r) => r.errors.map((e) => `- ${r.label}: ${e}`));
  const measures = collectMeasures(run, config);
  const newRows = measures.filter((m) => /^(Audit query|Audited writes|Diagnostic: audited writes|Node RSS|First-load|Cluster|Soak)/.test(m.name));
  return [
    "# Benchmark results",
    "",
    `Run: ${new Date().toISOString()} with \`npm run bench\` (${(elapsedMs / 1000).toFixed(0)} s). Generated by bench/run.ts; rerun to refresh.`,
    "",
    renderTable(results, config),
    "",
    "✓/✗: target met/missed (dispatch targets apply to Postgres only).",
    "",
    ...(newRows.length ? ["## Scale, memory, page weight, cluster and soak", "", ...measureTable(newRows), ""] : []),
    ...peersSection(run, config, measures),
    ...results.flatMap((r) =>
      r.product && r.baseline
        ? [
            `${r.label} throughput per 2 s round (targets take turns, so background load hits all of them alike): ` +
              [["product", r.product], ["baseline", r.baseline], ...(r.handler ? [["handler", r.handler] as const] : [])]
                .map(([name, t]) => `${name} ${(t as ThroughputResult).rounds.map((x) => x.toFixed(0)).join(", ")}`)
                .join("; ") +
              " req/s.",
            "",
          ]
        : [],
    ),
    "## Machine",
    "",
    ...machine.lines,
    "",
    "## Method",
    "",
    `- Each database is fresh: a new Postgres database (created and dropped by the bench) and a new PGlite folder under the OS temp dir, migrated, with one DEVELOPER user and an API token written straight into it.`,
    `- **Throughput.** The production server (\`bench/server.ts\`: what \`npm start\` runs — the API answered by the HTTP adapter on node:http ahead of Next, pages through Next's request handler, same start-up services; production build; LOG_LEVEL=warn) ` +
      `with the worker **off** (CLAWLINK_WORKER=off), so the number is the submit path alone and the baseline, which has no worker, does comparable work; with the worker on, the claim/run ` +
      `transactions would compete for the same two cores. Load: autocannon, ${config.connections} connections, ${config.warmup} s warm-up (discarded) then ${config.duration} s, ` +
      `\`POST /api/runtime/tasks/submit\` with \`Authorization: Bearer ccl_pat_…\`, body \`{"agent_type":"test-echo","prompt":"say: bench throughput","context":{}}\`. ` +
      `Baseline: \`bench/baseline-server.ts\`, a bare node:http server with the same driver (lib/db/client.ts) writing the same rows in one transaction with raw SQL: the executions row, ` +
      `its PENDING event + NOTIFY, the unsealed audit row (the product's sealer seals it later; the baseline runs no sealer), the queue NOTIFY. Queued tasks are deleted between runs.`,
    `- **Dispatch.** The production server with the worker on (default concurrency 4). 50 warm-up tasks, then ${config.tasks} one-line test-echo tasks (\`say: …\`) submitted over HTTP ` +
      `with at most ${config.window} unfinished at any moment: each client slot submits, follows the task's SSE stream to its end, then submits the next. The window is below the worker's ` +
      `concurrency, so a free worker slot is always waiting: this is wake-up + claim latency, not queueing, however loaded the machine is. Latency = the RUNNING state event's created_at − ` +
      `executions.created_at, both now() of their transactions on the database's clock; submit→PLANNING (the claim) is shown as the split. The phase stops submitting after ${config.dispatchMax} s.`,
    `- **SSE.** One test-echo task that asks a question and parks in WAITING; ${config.watchers} concurrent \`GET /api/runtime/tasks/{id}/stream\` connections (node http client, keep-alive agent, ` +
      `unlimited sockets) each catch up to that point; then the bench answers and the task streams ${config.chunks} output chunks ${config.chunkDelay} ms apart and completes. For every event written ` +
      `after the answer, at every watcher: arrival time (when its bytes reached the client) − the event's created_at (same machine clock). The output batcher's 50 ms window lies ` +
      `before created_at and is not in this number.`,
    `- **WebSocket.** The same measure with ${config.watchers} WebSocket clients (\`ws\`, one socket each, Bearer header), each sending \`hello\` and \`subscribe {task_id, after: 0}\` ` +
      `on \`/api/runtime/ws\` for a second parked task; arrival = when the event frame reached the client.`,
    ...(config.diagnostics
      ? [
          `- **Diagnostics** (not targets; they explain the numbers). *Handler without Next*: \`bench/handler-server.ts\` calls the product's own submit route handler ` +
            `(lib/transport/http) from a bare node:http server, same load — since the product answers the API ahead of Next this is the same code path, in a process without Next loaded beside it. ` +
            `*synchronous_commit=off* (Postgres only): the bench database is switched so commits do not wait for the WAL flush, the server restarted, and 300 dispatch tasks plus ` +
            `the SSE run repeated — the difference to the main numbers is what the disk flushes cost.`,
        ]
      : []),
    "",
    ...profileSection(results),
    "## Notes on missed targets",
    "",
    ...(notes.length ? notes.flatMap((n) => [n, ""]) : ["All targets met.", ""]),
    ...(errors.length ? ["## Errors during this run", "", ...errors, ""] : []),
  ].join("\n");
}
