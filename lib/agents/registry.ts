import type { AgentAdapter } from "./types";

// Process-wide: the start script and Next's bundled route handlers are separate module graphs
// in one process, and both must see the same adapters.
const REGISTRY_KEY = Symbol.for("coderclawlink.agent-registry");
type Registry = { adapters: Map<string, AgentAdapter>; aliases: Map<string, string> };
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = { adapters: new Map(), aliases: new Map() } satisfies Registry);
const { adapters, aliases } = registry;

/** Adapters register themselves once at start-up (see lib/agents/index.ts). */
export function registerAgent(adapter: AgentAdapter): void {
  adapters.set(adapter.type, adapter);
  for (const alias of adapter.aliases ?? []) aliases.set(alias, adapter.type);
}

export function unregisterAgent(type: string): void {
  const adapter = adapters.get(type);
  adapters.delete(type);
  for (const alias of adapter?.aliases ?? []) aliases.delete(alias);
}

/** The adapter for an agent_type or one of its aliases. */
export function findAgent(type: string): AgentAdapter | undefined {
  return adapters.get(type) ?? adapters.get(aliases.get(type) ?? "");
}

export function registeredAgents(): AgentAdapter[] {
  return [...adapters.values()].sort((a, b) => a.type.localeCompare(b.type));
}
