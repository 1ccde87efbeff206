import { createHash } from "node:crypto";
import type { AgentAdapter, AgentProbe, AgentSettings } from "./types";

const PROBE_TIMEOUT_MS = 5_000;
const CACHE_TTL_MS = 15_000;

const cache = new Map<string, { at: number; result: Promise<AgentProbe> }>();

/** Settings identify a cache entry by hash, so changed settings re-probe and no secret is kept as a key. */
function cacheKey(adapter: AgentAdapter, settings: AgentSettings): string {
  const canonical = JSON.stringify(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
  return `${adapter.type}:${createHash("sha256").update(canonical).digest("hex")}`;
}

/**
 * Probe with a time limit and a short cache: listing agents must not spawn `--version`
 * or hit a remote server on every page load, and one slow backend must not hold up the list.
 */
export function probeAgent(adapter: AgentAdapter, settings: AgentSettings, now = Date.now()): Promise<AgentProbe> {
  const key = cacheKey(adapter, settings);
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.result;
  const result = withTimeout(adapter, settings);
  cache.set(key, { at: now, result });
  return result;
}

export function clearProbeCache(): void {
  cache.clear();
}

async function withTimeout(adapter: AgentAdapter, settings: AgentSettings): Promise<AgentProbe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AgentProbe>((resolve) => {
    timer = setTimeout(() => resolve({ available: false, reason: `${adapter.displayName} probe took longer than ${PROBE_TIMEOUT_MS / 1000} s` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([adapter.probe(settings), timeout]);
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
