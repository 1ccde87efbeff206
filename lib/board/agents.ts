import type { z } from "zod";
import { listAgentsFor, registerBuiltInAgents } from "../agents";
import { registeredAgents } from "../agents/registry";
import type { Database } from "../db/client";
import { ensureAgents } from "../runtime";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { isAllowed } from "../security/policies";
import type { agentTypesResponse, availableAgentsResponse } from "./schemas";

/** The real adapters, plus the test agents where the environment enables them. */
function registerAll(): void {
  registerBuiltInAgents();
  ensureAgents();
}

/** Every agent type this node knows (Phase 1 `GET /api/agents/types`); nothing is probed. */
export async function listAgentTypes(ctx: AuthContext): Promise<z.infer<typeof agentTypesResponse>> {
  await authorize(ctx, "agent:list");
  registerAll();
  return {
    types: registeredAgents().map((a) => ({
      agent_type: a.type,
      display_name: a.displayName,
      description: a.description,
      backend: a.backend,
      aliases: a.aliases ?? [],
    })),
  };
}

/**
 * The agents this caller could run right now (Phase 1 `GET /api/agents/available`): the agents
 * module's listing (probed, enabled) narrowed to those no agent policy denies the caller.
 */
export async function listAvailableAgents(db: Database, { ctx }: { ctx: AuthContext }): Promise<z.infer<typeof availableAgentsResponse>> {
  registerAll();
  const agents = await listAgentsFor(db, ctx);
  const usable = [];
  for (const agent of agents) {
    if (agent.available && (await isAllowed(db, ctx, "agent", { name: agent.agent_type, aliases: agent.aliases }))) {
      usable.push({
        agent_type: agent.agent_type,
        display_name: agent.name,
        description: agent.description,
        backend: agent.backend,
        aliases: agent.aliases,
        available: true as const,
        version: agent.version,
      });
    }
  }
  return { agents: usable, available_agents: usable.map((a) => a.agent_type) };
}
