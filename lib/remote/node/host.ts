import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { envAgentSettings } from "../../agents/config";
import { probeAgent } from "../../agents/probe";
import { findAgent, registeredAgents } from "../../agents/registry";
import type { AgentAdapter, AgentSettings, SkillForAgent } from "../../agents/types";
import { ensureAgents } from "../../runtime/agents";
import { scanSkillFolder } from "../../skills/folder";
import { initRepository, isGitRepository } from "../../workspaces/git";
import type { AdvertisedAgent, AdvertisedSkill } from "../../db/schema";

export interface HostOptions {
  /** Where task workspaces go: <dataDir>/workspaces/<task id>. */
  dataDir: string;
  /** Agent Skills folders (one sub-folder with a SKILL.md each); optional. */
  skillsDir?: string;
}

/**
 * What a remote node runs with: the same adapters as the portal's workers (probed here, with this
 * machine's environment and credentials), the skills in its own folder, and a workspace per task.
 */
export class AgentHost {
  constructor(readonly options: HostOptions) {
    ensureAgents();
  }

  adapter(agentType: string): AgentAdapter | undefined {
    return findAgent(agentType);
  }

  settings(agentType: string): AgentSettings {
    return envAgentSettings(agentType);
  }

  async agents(): Promise<AdvertisedAgent[]> {
    return Promise.all(
      registeredAgents().map(async (adapter) => {
        const probe = await probeAgent(adapter, this.settings(adapter.type));
        return { agent_type: adapter.type, available: probe.available, reason: probe.reason ?? null, version: probe.version ?? null };
      }),
    );
  }

  async skills(): Promise<(AdvertisedSkill & { skill: SkillForAgent })[]> {
    const dir = this.options.skillsDir;
    if (!dir) return [];
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const found: (AdvertisedSkill & { skill: SkillForAgent })[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const folder = path.join(dir, entry.name);
      try {
        const { manifest } = await scanSkillFolder(folder, { folderName: entry.name, checksum: false });
        found.push({ name: manifest.name, description: manifest.description, skill: { name: manifest.name, description: manifest.description, instructions: manifest.instructions, path: folder, allowedTools: manifest.allowedTools } });
      } catch {
        // An invalid folder is not a skill; it is simply not advertised.
      }
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  async skillsFor(names: string[]): Promise<SkillForAgent[]> {
    if (names.length === 0) return [];
    const here = new Map((await this.skills()).map((s) => [s.name, s.skill]));
    const missing = names.filter((n) => !here.has(n));
    if (missing.length) throw new Error(`skills not installed on this node: ${missing.join(", ")}`);
    return names.map((n) => here.get(n)!);
  }

  /** A folder per task; agents that work on files get a scratch git repository there, as on the portal. */
  async workspaceFor(task: { id: string; prompt: string; context: Record<string, unknown> }, adapter: AgentAdapter): Promise<string> {
    const folder = path.resolve(this.options.dataDir, "workspaces", task.id);
    await mkdir(folder, { recursive: true });
    const uses = typeof adapter.usesWorkspace === "function" ? adapter.usesWorkspace(task) : adapter.usesWorkspace;
    if (uses && !(await isGitRepository(folder))) await initRepository({ dir: folder });
    return folder;
  }
}
