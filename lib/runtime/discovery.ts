import { listAgentsFor, type AgentListing } from "../agents";
import type { Database } from "../db/client";
import { authorize } from "../security/authorize";
import { agentRefusals } from "../security/policies";
import type { AuthContext } from "../security/context";
import { listSkillsFor } from "../skills";
import { ensureAgents } from "./agents";

/** An agent as GET /api/runtime/agents lists it for one caller. */
export type RuntimeAgentListing = AgentListing & { usable: boolean; usable_reason: string | null };

/**
 * Registered agents with their availability (probed by lib/agents) and, for this caller, whether
 * they may use each one: `usable`, and `usable_reason` saying why not (no agent:execute, an
 * untrusted device, a policy, disabled, unavailable), so pickers can show it instead of a 403 later.
 */
export async function listAgents(db: Database, ctx: AuthContext): Promise<{ agents: RuntimeAgentListing[] }> {
  ensureAgents();
  const agents = await listAgentsFor(db, ctx);
  const refusals = await agentRefusals(db, ctx, agents.map((a) => ({ name: a.agent_type, aliases: a.aliases })));
  return {
    agents: agents.map((agent) => {
      const refusal = refusals.get(agent.agent_type) ?? (agent.available ? null : (agent.reason ?? "Not available"));
      return { ...agent, usable: refusal === null, usable_reason: refusal };
    }),
  };
}

/** The skills catalogue as the caller may use it. */
export async function listSkills(db: Database, ctx: AuthContext) {
  await authorize(ctx, "skill:list");
  return { skills: await listSkillsFor(db, ctx) };
}
