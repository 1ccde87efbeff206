import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileBreakdown {
  /** CPU milliseconds (idle excluded) the server's main thread spent in the profiled window … */
  busyMs: number;
  /** … out of this many wall-clock milliseconds. */
  windowMs: number;
  /** Share of busy time per component, largest first. */
  components: { name: string; share: number }[];
}

/** The component a piece of original source belongs to. */
function componentOf(source: string): string {
  const s = source.replace(/\\/g, "/");
  if (s.includes("node_modules/next-auth") || s.includes("node_modules/@auth/") || s.includes("node_modules/jose")) return "next-auth / jose (cookie check)";
  if (s.includes("node_modules/next/") || s.includes("node_modules/@next/")) return "Next.js server";
  if (s.includes("node_modules/react")) return "React";
  if (s.includes("node_modules/drizzle-orm")) return "Drizzle ORM";
  if (s.includes("node_modules/zod")) return "zod";
  if (s.includes("node_modules/postgres/")) return "postgres.js driver";
  if (s.includes("node_modules/@electric-sql/pglite") || s.startsWith("wasm://")) return "PGlite (embedded Postgres, WASM)";
  if (s.includes("node_modules/pino")) return "pino logging";
  if (/(^|\/)(lib|app)\//.test(s) && !s.includes("node_modules")) return "our code (lib/, app/)";
  if (s.startsWith("node:") || s.startsWith("internal/")) return "Node.js core (http, streams, crypto…)";
  if (s.includes("node_modules/")) return `other packages`;
  return "other";
}

/**
 * Attribute a V8 CPU profile's self time to components. Next's bundled server chunks are mapped
 * back to their original files through the build's source maps, so Drizzle, zod and our lib code
 * are told apart even though Next bundled them together.
 */
export function analyseProfile(file: string, window: { fromUs: number; toUs: number }): ProfileBreakdown {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const selfUs = new Map<number, number>();
  // Sample times are on the monotonic clock (µs), as is process.hrtime in the bench: keep only the
  // load window, not start-up (module loading, Next's prepare) or shutdown.
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.fromUs && at <= window.toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  if (selfUs.size === 0) throw new Error("no profile samples fall in the load window (clock mismatch?)");
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string): SourceMap | null => {
    if (!maps.has(url)) {
      let map: SourceMap | null = null;
      try {
        const file = url.startsWith("file:") ? fileURLToPath(url) : url;
        if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
      } catch {
        map = null;
      }
      maps.set(url, map);
    }
    return maps.get(url)!;
  };
  const byComponent = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id);
    if (!us) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += us;
    let name: string;
    if (functionName === "(garbage collector)") name = "garbage collection";
    else if (functionName === "(program)" || !url) name = "V8 / native (program)";
    else if (url.includes("/.next/server/")) {
      const entry = mapFor(url)?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
      name = entry?.originalSource ? componentOf(entry.originalSource) : "Next.js server";
    } else name = componentOf(url);
    byComponent.set(name, (byComponent.get(name) ?? 0) + us);
  }
  return {
    busyMs: busy / 1000,
    windowMs: (window.toUs - window.fromUs) / 1000,
    components: [...byComponent].map(([name, us]) => ({ name, share: us / busy })).sort((a, b) => b.share - a.share),
  };
}

/** The biggest .cpuprofile in a folder (the server's; worker threads, if any, write smaller ones). */
export function largestProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? null;
}
