import type { Database } from "../db/client";
import { resolveAgentSettings } from "../agents/config";
import { registeredAgents } from "../agents/registry";
import type { AgentAdapter, AgentProbe } from "../agents/types";
import { log } from "../log";
import type { AuthContext } from "../security/context";
import { isAllowed } from "../security/policies";
import type { z } from "zod";
import type { agentTypeSchema, availableAgentsResponse } from "./schemas";

type AgentTypeJson = z.infer<typeof agentTypeSchema>;

/** A probe that hangs (a server that never answers) must not hang the listing. */
const PROBE_TIMEOUT_MS = 5_000;

function describeAgent(adapter: AgentAdapter): AgentTypeJson {
  return {
    agent_type: adapter.type,
    display_name: adapter.displayName,
    description: adapter.description,
    backend: adapter.backend,
    aliases: adapter.aliases ?? [],
  };
}

/** Every agent type this node knows (Phase 1 `GET /api/agents/types`). */
export function listAgentTypes(): { types: AgentTypeJson[] } {
  return { types: registeredAgents().map(describeAgent) };
}

async function probeAgent(db: Database, adapter: AgentAdapter): Promise<AgentProbe> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const settings = await resolveAgentSettings(db, adapter.type);
    if (settings.enabled === false) return { available: false, reason: "disabled by an administrator" };
    const timeout = new Promise<AgentProbe>((resolve) => {
      timer = setTimeout(() => resolve({ available: false, reason: `probe took longer than ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
    });
    return await Promise.race([adapter.probe(settings), timeout]);
  } catch (error) {
    log.warn({ err: error, agentType: adapter.type }, "agent probe failed");
    return { available: false, reason: error instanceof Error ? error.message : "probe failed" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The agents this caller could run right now (Phase 1 `GET /api/agents/available`):
 * probed available, enabled, and not denied to the caller by an agent policy.
 */
export async function listAvailableAgents(db: Database, { ctx }: { ctx: AuthContext }): Promise<z.infer<typeof availableAgentsResponse>> {
  const adapters = registeredAgents();
  const checks = await Promise.all(
    adapters.map(async (adapter) => {
      const allowed = await isAllowed(db, ctx, "agent", adapter.type);
      return { adapter, allowed, probe: allowed ? await probeAgent(db, adapter) : null };
    }),
  );
  const agents = checks
    .filter((c) => c.allowed && c.probe?.available)
    .map((c) => ({ ...describeAgent(c.adapter), available: true as const, version: c.probe?.version ?? null }));
  return { agents, available_agents: agents.map((a) => a.agent_type) };
}
