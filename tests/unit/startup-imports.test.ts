import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * What a node loads at start-up: the modules scripts/start.ts (and bench/server.ts) import, and
 * everything they import statically. Next's server bundle of the pages holds a second copy of the
 * same graph. Heavy SDKs only some nodes ever use are imported where they are used, on first use.
 */
const START_UP = [
  "lib/agents/index.ts",
  "lib/runtime/agents.ts",
  "lib/runtime/worker.ts",
  "lib/notify/index.ts",
  "lib/operations/index.ts",
  "lib/transport/http/node.ts",
  "lib/transport/ws/index.ts",
  "lib/skills/index.ts",
  "lib/security/audit-sealer.ts",
];
const LOADED_ON_FIRST_USE = ["@anthropic-ai/sdk", "@agentclientprotocol/sdk", "grammy", "@octokit/rest", "@octokit/auth-app", "tar", "yauzl", "shiki"];

function resolveLocal(from: string, specifier: string): string | null {
  const base = specifier.startsWith("@/") ? path.join(ROOT, specifier.slice(2)) : path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) if (candidate.endsWith(".ts") || candidate.endsWith(".tsx")) if (existsSync(candidate)) return candidate;
  return null;
}

/** Static value imports and re-exports of a file (not `import type`, not dynamic `import()`). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?"([^"]+)";?/gm)) if (!m[1]) found.push(m[2]!);
  return found;
}

/** Every package reached through static imports from the entries, with the chain that reaches it. */
function reachablePackages(entries: string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue = entries.map((e) => ({ file: path.join(ROOT, e), chain: [e] }));
  while (queue.length) {
    const { file, chain } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".") || specifier.startsWith("@/")) {
        const next = resolveLocal(file, specifier);
        if (next) queue.push({ file: next, chain: [...chain, path.relative(ROOT, next)] });
      } else {
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
        if (!chains.has(name)) chains.set(name, [...chain, specifier]);
      }
    }
  }
  return chains;
}

describe("start-up imports", () => {
  it("finds packages behind static imports (the walker itself)", () => {
    const reached = reachablePackages(["lib/agents/index.ts"]);
    expect(reached.has("drizzle-orm")).toBe(true);
    expect(staticImports(path.join(ROOT, "lib/agents/claude.ts"))).not.toContain("@anthropic-ai/sdk");
  });

  it("loads no agent SDK, Telegram, GitHub or archive library before a node uses it", () => {
    const reached = reachablePackages(START_UP);
    const eager = LOADED_ON_FIRST_USE.filter((name) => reached.has(name)).map((name) => reached.get(name)!.join(" → "));
    expect(eager).toEqual([]);
  });
});
