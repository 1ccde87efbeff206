import autocannon from "autocannon";
import { summarize } from "./stats";

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface ThroughputResult {
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
  latencyP50: number;
  latencyP99: number;
  /** req/s of each 2 s slice, in order. */
  rounds: number[];
}

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

/** The body every submit sends: a test-echo task that would just say one line (the worker is off). */
export const SUBMIT_BODY = JSON.stringify({ agent_type: "test-echo", prompt: "say: bench throughput", context: {} });

/** Seconds per slice when targets take turns. */
const SLICE_S = 2;

interface Slice {
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  latencies: number[];
}

function run(target: Target, connections: number, durationS: number): Promise<Slice> {
  return new Promise<Slice>((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(
      { url: target.url, method: "POST", headers: { "content-type": "application/json", ...target.headers }, body: SUBMIT_BODY, connections, duration: durationS },
      (error, result) =>
        error ? reject(error) : resolve({ requests: result.requests.total, seconds: result.duration || durationS, non2xx: result.non2xx, errors: result.errors, latencies }),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/**
 * POST the same submit body to every target with autocannon, same connections. Each target first
 * gets a warm-up (discarded: JIT, pools, Next's route cache). Then the targets take turns in
 * 2-second slices until each has had `durationS`: on a shared machine the background load drifts
 * by the second, and taking turns spreads that drift over all targets instead of penalising
 * whichever happened to run during a busy spell.
 */
export async function measureThroughput(targets: Target[], options: LoadOptions, say: (line: string) => void): Promise<Map<string, ThroughputResult>> {
  for (const target of options.warmupS > 0 ? targets : []) {
    say(`warm-up ${target.name} ${options.warmupS} s …`);
    await run(target, options.connections, options.warmupS);
  }
  const slices = new Map<string, Slice[]>(targets.map((t) => [t.name, []]));
  const rounds = Math.max(1, Math.round(options.durationS / SLICE_S));
  say(`measuring: ${rounds} rounds of ${SLICE_S} s per target, ${options.connections} connections, targets in turn …`);
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const target of targets) {
      const slice = await run(target, options.connections, SLICE_S);
      slices.get(target.name)!.push(slice);
      line.push(`${target.name} ${(slice.requests / slice.seconds).toFixed(0)} req/s`);
    }
    say(`  round ${round}/${rounds}: ${line.join(", ")}`);
  }
  const results = new Map<string, ThroughputResult>();
  for (const [name, list] of slices) {
    const total = list.reduce((n, s) => n + s.requests, 0);
    const seconds = list.reduce((n, s) => n + s.seconds, 0);
    const latency = summarize(list.flatMap((s) => s.latencies));
    results.set(name, {
      rps: total / seconds,
      total,
      non2xx: list.reduce((n, s) => n + s.non2xx, 0),
      errors: list.reduce((n, s) => n + s.errors, 0),
      latencyP50: latency.p50,
      latencyP99: latency.p99,
      rounds: list.map((s) => s.requests / s.seconds),
    });
  }
  return results;
}
