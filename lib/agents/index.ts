import type { Database } from "../db/client";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { ACP_AGENTS } from "./acp/agents";
import { claudeAgent } from "./claude";
import { claudeCodeAgent } from "./claude-code";
import { resolveAgentSettings } from "./config";
import { ollamaAgent, ollamaModels, type OllamaModel } from "./ollama";
import { openHandsAgent } from "./openhands";
import { probeAgent } from "./probe";
import { findAgent, registerAgent, registeredAgents } from "./registry";

export { resolveAgentSettings, getAgentConfig, listAgentConfigs, updateAgentConfig, isAgentEnabled, agentConfigUpdateSchema } from "./config";
export { AgentError, isAgentError } from "./errors";
export { clearProbeCache } from "./probe";
export { ollamaModels, type OllamaModel } from "./ollama";

export const BUILT_IN_AGENTS = [claudeAgent, claudeCodeAgent, ...ACP_AGENTS, ollamaAgent, openHandsAgent] as const;

/** Register the real adapters (idempotent; the registry keeps one adapter per type). */
export function registerBuiltInAgents(): void {
  for (const adapter of BUILT_IN_AGENTS) if (findAgent(adapter.type) !== adapter) registerAgent(adapter);
}

export interface AgentListing {
  agent_type: string;
  name: string;
  description: string;
  backend: string;
  available: boolean;
  reason: string | null;
  version: string | null;
  enabled: boolean;
  aliases: string[];
}

/** Every registered agent with its availability (probed, briefly cached); needs agent:list. */
export async function listAgentsFor(db: Database, ctx: AuthContext): Promise<AgentListing[]> {
  await authorize(ctx, "agent:list");
  registerBuiltInAgents();
  return Promise.all(
    registeredAgents().map(async (adapter): Promise<AgentListing> => {
      const base = {
        agent_type: adapter.type,
        name: adapter.displayName,
        description: adapter.description,
        backend: adapter.backend,
        aliases: adapter.aliases ?? [],
      };
      let settings;
      try {
        settings = await resolveAgentSettings(db, adapter.type);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { ...base, available: false, reason, version: null, enabled: true };
      }
      const enabled = settings.enabled !== false;
      if (!enabled) return { ...base, available: false, reason: "Disabled by an administrator", version: null, enabled };
      const probe = await probeAgent(adapter, settings);
      return { ...base, available: probe.available, reason: probe.reason ?? null, version: probe.version ?? null, enabled };
    }),
  );
}

/** Models pulled on the configured Ollama server (stored settings applied), for the UI's model picker. */
export async function ollamaModelsFor(db: Database, ctx: AuthContext): Promise<OllamaModel[]> {
  await authorize(ctx, "agent:configure");
  return ollamaModels(await resolveAgentSettings(db, "ollama"));
}
