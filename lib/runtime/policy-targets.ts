import { findAgent, registeredAgents } from "../agents/registry";
import type { PolicyTargets } from "../security/policies";
import { findSkill } from "../skills/store";
import { ensureAgents } from "./agents";

/** What an agent or skill policy may name on this node: registered agents (and their aliases) and installed skills. */
export const policyTargets: PolicyTargets = {
  agentType(name) {
    ensureAgents();
    return findAgent(name)?.type ?? null;
  },
  knownAgentTypes() {
    ensureAgents();
    return registeredAgents().map((a) => a.type);
  },
  async skillExists(db, name) {
    return (await findSkill(db, name)) !== undefined;
  },
};
