import { listAgentsFor } from "../agents";
import type { Database } from "../db/client";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { listSkillsFor } from "../skills";
import { ensureAgents } from "./agents";

/** Registered agents with their availability (probed by lib/agents). */
export async function listAgents(db: Database, ctx: AuthContext) {
  ensureAgents();
  return { agents: await listAgentsFor(db, ctx) };
}

/** The skills catalogue as the caller may use it. */
export async function listSkills(db: Database, ctx: AuthContext) {
  await authorize(ctx, "skill:list");
  return { skills: await listSkillsFor(db, ctx) };
}
