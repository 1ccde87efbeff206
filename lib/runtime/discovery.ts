import { registeredAgents } from "../agents/registry";
import { resolveAgentSettings } from "../agents/config";
import type { AgentAdapter, AgentProbe } from "../agents/types";
import type { Database } from "../db/client";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { listSkillsFor } from "../skills";
import { ensureAgents } from "./agents";

const PROBE_TIMEOUT_MS = 3_000;

async function probe(db: Database, adapter: AgentAdapter): Promise<AgentProbe> {
  try {
    const settings = await resolveAgentSettings(db, adapter.type);
    if (settings.enabled === false) return { available: false, reason: "Disabled by an administrator" };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<AgentProbe>((resolve) => {
      timer = setTimeout(() => resolve({ available: false, reason: `No answer from the probe within ${PROBE_TIMEOUT_MS / 1000} s` }), PROBE_TIMEOUT_MS);
    });
    return await Promise.race([adapter.probe(settings), timeout]).finally(() => clearTimeout(timer));
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Registered agents with their availability, probed in parallel. */
export async function listAgents(db: Database, ctx: AuthContext) {
  await authorize(ctx, "agent:list");
  ensureAgents();
  const adapters = registeredAgents();
  const probes = await Promise.all(adapters.map((a) => probe(db, a)));
  return {
    agents: adapters.map((a, i) => ({
      agent_type: a.type,
      display_name: a.displayName,
      description: a.description,
      backend: a.backend,
      aliases: a.aliases ?? [],
      resumable: a.resumable === true,
      available: probes[i].available,
      reason: probes[i].reason ?? null,
      version: probes[i].version ?? null,
    })),
  };
}

/** The skills catalogue as the caller may use it. */
export async function listSkills(db: Database, ctx: AuthContext) {
  await authorize(ctx, "skill:list");
  return { skills: await listSkillsFor(db, ctx) };
}
