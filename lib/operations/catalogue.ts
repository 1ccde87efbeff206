import { z } from "zod";
import { agentConfigUpdateSchema, getAgentConfig, listAgentConfigs, ollamaModelsFor, updateAgentConfig } from "../agents";
import { AppError } from "../errors";
import { deleteSkill, getSkillFor, installSkill, setSkillEnabled, skillNameSchema, SKILL_ARCHIVE_TYPES } from "../skills";
import { operation } from "./define";
import { agentConfigViewSchema, ollamaModelsSchema } from "./shapes/agents";
import { skillDetailsSchema } from "./shapes/skills";

const typeParams = z.object({ type: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be an agent type").describe("An agent_type") });
const nameParams = z.object({ name: skillNameSchema });
const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Configuring agents and managing the skill catalogue (listing both is in the runtime contract). */
export const catalogueOperations = {
  "admin.agents.list": operation({
    method: "GET",
    path: "/api/admin/agents",
    tag: "Agents",
    summary: "Every agent's configuration",
    description: "Secrets only as {set, source}.",
    access: "agent:configure",
    output: z.object({ agents: z.array(agentConfigViewSchema) }),
    run: async ({ ctx, db }) => ({ agents: await listAgentConfigs(db, ctx) }),
  }),
  "admin.agents.get": operation({
    method: "GET",
    path: "/api/admin/agents/{type}",
    tag: "Agents",
    summary: "One agent's configuration",
    access: "agent:configure",
    params: typeParams,
    output: agentConfigViewSchema,
    run: ({ ctx, db, params }) => getAgentConfig(db, ctx, params.type),
  }),
  "admin.agents.update": operation({
    method: "PUT",
    path: "/api/admin/agents/{type}",
    tag: "Agents",
    summary: "Change an agent's settings, secrets or enabled flag",
    description: "null resets a value to its environment/default value.",
    access: "agent:configure",
    audits: ["agent.configured"],
    params: typeParams,
    body: agentConfigUpdateSchema,
    output: agentConfigViewSchema,
    run: ({ ctx, db, params, body }) => updateAgentConfig(db, ctx, params.type, body),
  }),
  "admin.agents.models": operation({
    method: "GET",
    path: "/api/admin/agents/{type}/models",
    tag: "Agents",
    summary: "Models the agent's backend offers (Ollama: GET /api/tags), for the model picker",
    access: "agent:configure",
    params: typeParams,
    output: ollamaModelsSchema,
    errors: [503],
    run: async ({ ctx, db, params }) => {
      if (params.type !== "ollama") throw new AppError("not_found", `${params.type} has no model list`);
      try {
        return { models: await ollamaModelsFor(db, ctx) };
      } catch (error) {
        throw new AppError("unavailable", error instanceof Error ? error.message : "Ollama did not answer");
      }
    },
  }),
  "skills.install": operation({
    method: "POST",
    path: "/api/runtime/skills",
    tag: "Skills",
    summary: "Install a skill",
    description: "An archive (multipart field `file`, or the raw body as zip / tar.gz) or JSON {path} naming a folder on the server.",
    access: "skill:install",
    audits: ["skill.installed"],
    query: z.object({ replace: flag.optional() }),
    body: z.object({ path: z.string().min(1, { message: "must name a folder on the server" }).max(4096), replace: z.boolean().optional() }).strict(),
    upload: { contentTypes: ["multipart/form-data", ...SKILL_ARCHIVE_TYPES], description: "A skill folder (with SKILL.md) as an archive" },
    status: 201,
    output: skillDetailsSchema.extend({ replaced: z.boolean() }),
    errors: [409, 413, 415],
    run: async ({ ctx, db, query, body, upload }) => {
      const source = upload ? { upload } : { path: body.path };
      const result = await installSkill(db, ctx, source, { replace: query.replace || body?.replace });
      return { ...(await getSkillFor(db, ctx, result.skill.name)), replaced: result.replaced };
    },
  }),
  "skills.get": operation({
    method: "GET",
    path: "/api/runtime/skills/{name}",
    tag: "Skills",
    summary: "One skill with its instructions and files",
    access: "skill:list",
    params: nameParams,
    output: skillDetailsSchema,
    run: ({ ctx, db, params }) => getSkillFor(db, ctx, params.name),
  }),
  "skills.update": operation({
    method: "PATCH",
    path: "/api/runtime/skills/{name}",
    tag: "Skills",
    summary: "Enable or disable a skill",
    access: "skill:install",
    audits: ["skill.modified"],
    params: nameParams,
    body: z.object({ enabled: z.boolean() }).strict(),
    output: skillDetailsSchema,
    run: async ({ ctx, db, params, body }) => {
      await setSkillEnabled(db, ctx, params.name, body.enabled);
      return getSkillFor(db, ctx, params.name);
    },
  }),
  "skills.delete": operation({
    method: "DELETE",
    path: "/api/runtime/skills/{name}",
    tag: "Skills",
    summary: "Remove an installed skill",
    access: "skill:install",
    audits: ["skill.deleted"],
    params: nameParams,
    errors: [409],
    run: async ({ ctx, db, params }) => {
      await deleteSkill(db, ctx, params.name);
    },
  }),
};
