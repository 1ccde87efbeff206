import { writeFileSync } from "node:fs";
import { measure, type Measure } from "./measures";
import type { BenchRun, KindResult, Machine, RunConfig } from "./report";

/** The targets (#14), in one place. */
export const TARGETS = {
  submitRatio: 0.5,
  dispatchP50: 5,
  dispatchP99: 25,
  streamP99: 50,
  auditQueryP95: 20,
  sseRssMb: 300,
  firstLoadKb: 200,
  clusterScaling: 2.7,
  /** "Grows with writers": 4 writer processes do more audited writes per second than 1. */
  auditWritersScaling: 1,
};

function kindMeasures(r: KindResult, config: RunConfig): Measure[] {
  const db = { database: r.kind };
  const pgOnly = (target: number) => (r.kind === "postgres" ? { target } : {});
  const out: Measure[] = [];
  if (r.product) {
    out.push(measure("Submit throughput, product (HTTP API)", r.product.rps, "req/s", { ...db, note: `${config.connections} connections` }));
    out.push(measure("Submit latency p50, product", r.product.latencyP50, "ms", db), measure("Submit latency p99, product", r.product.latencyP99, "ms", db));
  }
  if (r.baseline) out.push(measure("Submit throughput, baseline (node:http, same INSERTs)", r.baseline.rps, "req/s", db));
  if (r.product && r.baseline) out.push(measure("Submit throughput ratio, product / baseline", r.product.rps / r.baseline.rps, "×", { ...db, target: TARGETS.submitRatio, higherIsBetter: true }));
  if (r.handler) out.push(measure("Diagnostic: submit throughput, our handler without Next", r.handler.rps, "req/s", db));
  if (r.dispatch) {
    out.push(
      measure("Dispatch submit→PLANNING p50", r.dispatch.planning.p50, "ms", db),
      measure("Dispatch submit→PLANNING p99", r.dispatch.planning.p99, "ms", db),
      measure("Dispatch submit→RUNNING p50", r.dispatch.running.p50, "ms", { ...db, ...pgOnly(TARGETS.dispatchP50), note: `${r.dispatch.running.n} tasks, window ${config.window}` }),
      measure("Dispatch submit→RUNNING p99", r.dispatch.running.p99, "ms", { ...db, ...pgOnly(TARGETS.dispatchP99) }),
    );
  }
  if (r.endToEnd) out.push(measure("End to end: tasks submitted at once and run to completion", r.endToEnd.perSecond, "tasks/s", { ...db, note: `${config.endToEnd} tasks, worker concurrency 4` }));
  if (r.sse) {
    const w = `${config.watchers} watchers`;
    out.push(
      measure(`SSE event→client p50, ${w}`, r.sse.all.p50, "ms", db),
      measure(`SSE event→client p99, ${w}`, r.sse.all.p99, "ms", { ...db, target: TARGETS.streamP99 }),
      measure("SSE first watcher per event p99", r.sse.first.p99, "ms", db),
      measure("SSE fan-out spread (last − first watcher) p99", r.sse.spread.p99, "ms", db),
      measure("SSE watchers with the complete ordered log", r.sse.complete, "watchers", { ...db, target: config.watchers, higherIsBetter: true }),
    );
  }
  if (r.ws) {
    const w = `${config.watchers} subscribers`;
    out.push(
      measure(`WebSocket event→client p50, ${w}`, r.ws.all.p50, "ms", db),
      measure(`WebSocket event→client p99, ${w}`, r.ws.all.p99, "ms", { ...db, target: TARGETS.streamP99 }),
      measure("WebSocket first subscriber per event p99", r.ws.first.p99, "ms", db),
      measure("WebSocket fan-out spread (last − first subscriber) p99", r.ws.spread.p99, "ms", db),
      measure("WebSocket subscribers with the complete ordered log", r.ws.complete, "subscribers", { ...db, target: config.watchers, higherIsBetter: true }),
    );
  }
  if (r.sseRss) out.push(measure(`Node RSS with ${config.watchers} SSE watchers`, r.sseRss.maxMb, "MB", { ...db, target: TARGETS.sseRssMb, note: `${r.sseRss.beforeMb.toFixed(0)} MB before they connected` }));
  if (r.roundTrip) out.push(measure("Diagnostic: one round trip (select 1) p50", r.roundTrip.select.p50, "ms", db), measure("Diagnostic: one insert + commit p50", r.roundTrip.commit.p50, "ms", db));
  if (r.noSync?.dispatch) out.push(measure("Diagnostic: synchronous_commit=off, dispatch submit→RUNNING p50", r.noSync.dispatch.running.p50, "ms", db));
  if (r.auditQuery) {
    out.push(
      measure(`Audit query with filters, page of 100, ${r.auditQuery.events.toLocaleString("en")} events, p50`, r.auditQuery.latency.p50, "ms", db),
      measure(`Audit query with filters, page of 100, ${r.auditQuery.events.toLocaleString("en")} events, p95`, r.auditQuery.latency.p95, "ms", { ...db, target: TARGETS.auditQueryP95, note: `slowest filter: ${r.auditQuery.byShape[0]?.filter}` }),
    );
  }
  for (const page of r.firstLoad ?? []) {
    const name = page.path === "/" ? "dashboard (/)" : "task page (/tasks/{id})";
    out.push(measure(`First-load JavaScript (gzip), ${name}`, page.gzipBytes / 1024, "kB", { target: TARGETS.firstLoadKb, note: `${page.scripts} scripts, ${(page.rawBytes / 1024).toFixed(0)} kB uncompressed` }));
  }
  if (r.cluster) {
    const { one, three } = r.cluster;
    out.push(
      measure("Cluster: 1 worker node, agent-bound tasks", one.tasksPerSecond, "tasks/s", { ...db, note: `${one.tasks} tasks sleeping ${config.clusterSleep} ms` }),
      measure("Cluster: 3 worker nodes, agent-bound tasks", three.tasksPerSecond, "tasks/s", { ...db, note: `${three.tasks} tasks` }),
      measure("Cluster scaling, 3 nodes / 1 node", three.tasksPerSecond / one.tasksPerSecond, "×", { ...db, target: TARGETS.clusterScaling, higherIsBetter: true }),
    );
  }
  const writers = (mode: string) => (r.auditWriters ?? []).filter((w) => w.mode === mode);
  for (const w of writers("unsealed")) {
    out.push(measure(`Audited writes/s, ${w.writers} writer process${w.writers > 1 ? "es" : ""}`, w.perSecond, "writes/s", { ...db, note: `${w.loops} concurrent transactions each, sealer running; last rows sealed ${w.sealDrainMs} ms after; chain ${w.chainOk ? "gap-free" : "BROKEN"}` }));
  }
  const [one, four] = [writers("unsealed").find((w) => w.writers === 1), writers("unsealed").find((w) => w.writers === 4)];
  if (one && four) out.push(measure("Audited writes scaling, 4 writer processes / 1", four.perSecond / one.perSecond, "×", { ...db, target: TARGETS.auditWritersScaling, higherIsBetter: true }));
  for (const w of writers("locked")) {
    out.push(measure(`Diagnostic: audited writes/s with round 1's global lock, ${w.writers} writer process${w.writers > 1 ? "es" : ""}`, w.perSecond, "writes/s", db));
  }
  return out;
}

/** The peers' figures and the issue's goals against them: dispatch at or below graphile-worker's, throughput at or above pg-boss's. */
function peerMeasures(run: BenchRun): Measure[] {
  const out: Measure[] = [];
  for (const p of run.peers) {
    const peer = { database: "postgres", note: `${p.name} ${p.version}: ${p.note}` };
    out.push(
      measure(`Peer ${p.name}: add_job → handler start p50`, p.latency.p50, "ms", peer),
      measure(`Peer ${p.name}: add_job → handler start p99`, p.latency.p99, "ms", peer),
      measure(`Peer ${p.name}: add_job throughput`, p.addPerSecond, "jobs/s", peer),
      measure(`Peer ${p.name}: end to end (added at once, run to completion)`, p.completedPerSecond, "jobs/s", peer),
    );
  }
  const ours = run.results.find((r) => r.kind === "postgres");
  const graphile = run.peers.find((p) => p.name === "graphile-worker");
  const boss = run.peers.find((p) => p.name === "pg-boss");
  if (ours?.dispatch && graphile) {
    out.push(
      measure("Goal: our dispatch p50 / graphile-worker's", ours.dispatch.running.p50 / graphile.latency.p50, "×", { database: "postgres", target: 1 }),
      measure("Goal: our dispatch p99 / graphile-worker's", ours.dispatch.running.p99 / graphile.latency.p99, "×", { database: "postgres", target: 1 }),
    );
  }
  if (ours?.product && boss) out.push(measure("Goal: our submit throughput / pg-boss add_job throughput", ours.product.rps / boss.addPerSecond, "×", { database: "postgres", target: 1, higherIsBetter: true }));
  if (ours?.endToEnd && boss) out.push(measure("Goal: our end-to-end tasks/s / pg-boss's jobs/s", ours.endToEnd.perSecond / boss.completedPerSecond, "×", { database: "postgres", target: 1, higherIsBetter: true }));
  return out;
}

export function collectMeasures(run: BenchRun, config: RunConfig): Measure[] {
  return [...run.results.flatMap((r) => kindMeasures(r, config)), ...peerMeasures(run), ...(run.soak?.measures ?? []).map((m) => ({ ...m, note: [m.note, `npm run soak of ${run.soak!.when}`].filter(Boolean).join("; ") }))];
}

export function writeResultsJson(file: string, run: BenchRun, config: RunConfig, machine: Machine): void {
  // The admin URL names this machine's database server; a subset run says which phases it ran.
  const { adminUrl: _adminUrl, wants: _wants, phases, ...rest } = config as RunConfig & { wants?: unknown; phases?: Set<string> };
  const settings = { ...rest, phases: phases ? [...phases] : "all" };
  const body = {
    generated: new Date().toISOString(),
    machine: machine.lines.map((l) => l.replace(/^- /, "")),
    settings,
    measures: collectMeasures(run, config),
    peers: run.peers,
    errors: [...run.results.flatMap((r) => r.errors.map((e) => `${r.label}: ${e}`)), ...run.peerErrors],
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}
