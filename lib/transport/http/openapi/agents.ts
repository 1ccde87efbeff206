import { z } from "zod";
import { agentConfigUpdateSchema } from "../../../agents";
import type { ApiOperation } from "./types";

// The update schema is lib/agents' own; responses mirror AgentListing and AgentConfigView there.
const settingValue = z.union([z.string(), z.number(), z.boolean()]).nullable();

const agentListing = z.object({
  agent_type: z.string(),
  name: z.string(),
  description: z.string(),
  backend: z.string(),
  available: z.boolean(),
  reason: z.string().nullable().describe("Why it cannot run (missing key, binary not on PATH, server unreachable …)"),
  version: z.string().nullable(),
  enabled: z.boolean(),
  aliases: z.array(z.string()),
});

const agentConfigView = z.object({
  agent_type: z.string(),
  enabled: z.boolean(),
  settings: z.record(z.string(), settingValue),
  secrets: z.record(z.string(), z.object({ set: z.boolean(), source: z.enum(["database", "environment"]).nullable() })).describe("Never the values"),
  fields: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      type: z.enum(["string", "url", "number", "boolean", "enum"]),
      secret: z.boolean(),
      env: z.string().nullable(),
      default: settingValue,
      options: z.array(z.string()).nullable(),
      help: z.string().nullable(),
      source: z.enum(["database", "environment", "default"]).nullable(),
    }),
  ),
  updated_at: z.string().nullable(),
  updated_by: z.string().nullable(),
});

const typeParams = z.object({ type: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).describe("An agent_type") });

export const agentOperations: ApiOperation[] = [
  {
    method: "GET",
    path: "/api/runtime/agents",
    tag: "Agents",
    summary: "Every agent with its availability",
    access: "agent:list",
    response: z.object({ agents: z.array(agentListing) }),
  },
  { method: "GET", path: "/api/admin/agents", tag: "Agents", summary: "Every agent's configuration", access: "agent:configure", response: z.object({ agents: z.array(agentConfigView) }) },
  { method: "GET", path: "/api/admin/agents/{type}", tag: "Agents", summary: "One agent's configuration", access: "agent:configure", params: typeParams, response: agentConfigView },
  {
    method: "PUT",
    path: "/api/admin/agents/{type}",
    tag: "Agents",
    summary: "Change an agent's settings, secrets or enabled flag",
    description: "null resets a value to its environment/default value. Audited as agent.configured.",
    access: "agent:configure",
    params: typeParams,
    body: agentConfigUpdateSchema,
    response: agentConfigView,
  },
  {
    method: "GET",
    path: "/api/admin/agents/{type}/models",
    tag: "Agents",
    summary: "Models the agent's backend offers (Ollama)",
    access: "agent:configure",
    params: typeParams,
    response: z.object({
      models: z.array(
        z.object({
          name: z.string(),
          size: z.number().optional(),
          modified_at: z.string().optional(),
          parameter_size: z.string().optional(),
          quantization_level: z.string().optional(),
          family: z.string().optional(),
        }),
      ),
    }),
    errors: [503],
  },
];
