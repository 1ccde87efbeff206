import autocannon from "autocannon";

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
}

/** The body every submit sends: a test-echo task that would just say one line (the worker is off). */
export const SUBMIT_BODY = JSON.stringify({ agent_type: "test-echo", prompt: "say: bench throughput", context: {} });

function run(url: string, headers: Record<string, string>, connections: number, durationS: number, onTick?: (second: number, requests: number) => void) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    let second = 0;
    let count = 0;
    const instance = autocannon(
      { url, method: "POST", headers: { "content-type": "application/json", ...headers }, body: SUBMIT_BODY, connections, duration: durationS },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on("response", () => count++);
    instance.on("tick", () => {
      second++;
      onTick?.(second, count);
      count = 0;
    });
  });
}

/**
 * POST the same submit body with autocannon: a warm-up run (discarded: JIT, pools, Next's route
 * compilation cache) then the measured run. Same options for the product and the baseline.
 */
export async function measureThroughput(url: string, headers: Record<string, string>, options: LoadOptions, say: (line: string) => void): Promise<ThroughputResult> {
  say(`warm-up ${options.warmupS} s …`);
  await run(url, headers, options.connections, options.warmupS);
  say(`measuring ${options.durationS} s with ${options.connections} connections …`);
  const result = await run(url, headers, options.connections, options.durationS, (second, n) => {
    if (second % 2 === 0) say(`  t=${second}s  ${n} req in the last second`);
  });
  return {
    rps: result.requests.total / (result.duration || options.durationS),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}
