import { eq } from "drizzle-orm";
import { registerBuiltInAgents } from "../agents";
import { registeredAgents, findAgent } from "../agents/registry";
import { registerTestAgent } from "../agents/test-echo";
import type { AgentAdapter } from "../agents/types";
import type { DbOrTx } from "../db/client";
import { agentConfigs } from "../db/schema";
import { AppError } from "../errors";

/** Make sure the agents this process may run are registered (idempotent): the real adapters, plus test-echo in tests. */
export function ensureAgents(): void {
  registerBuiltInAgents();
  registerTestAgent();
}

/** The adapter for a submitted agent_type, or 422 naming the ones that exist. */
export async function requireAgent(db: DbOrTx, agentType: string): Promise<AgentAdapter> {
  const adapter = findAdapter(agentType);
  const [config] = await db.select({ enabled: agentConfigs.enabled }).from(agentConfigs).where(eq(agentConfigs.agentType, adapter.type)).limit(1);
  assertAgentEnabled(adapter, config?.enabled ?? null);
  return adapter;
}

/** The registered adapter for an agent_type or alias (no database), or 422 naming the ones that exist. */
export function findAdapter(agentType: string): AgentAdapter {
  ensureAgents();
  const adapter = findAgent(agentType);
  if (!adapter) {
    const known = registeredAgents().map((a) => a.type);
    throw new AppError("validation_failed", `Unknown agent_type "${agentType}"; known agent types: ${known.join(", ") || "none"}`, { agent_type: agentType, known });
  }
  return adapter;
}

/** 422 when an administrator disabled the agent (`enabled`: its agent_configs row's flag, null without a row). */
export function assertAgentEnabled(adapter: AgentAdapter, enabled: boolean | null): void {
  if (enabled === false) throw new AppError("validation_failed", `The agent "${adapter.type}" is disabled by an administrator`, { agent_type: adapter.type });
}
