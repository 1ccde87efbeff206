import type { AgentAdapter } from "./types";

const adapters = new Map<string, AgentAdapter>();
const aliases = new Map<string, string>();

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
