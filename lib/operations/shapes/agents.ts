import { z } from "zod";

// Response shapes of lib/agents (AgentListing, AgentConfigView there); `operation()` checks them
// against what the functions return.
const settingValue = z.union([z.string(), z.number(), z.boolean()]).nullable();

export const agentListingSchema = z.object({
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

/** GET /api/runtime/agents adds, per caller, whether they may run each agent (RuntimeAgentListing in lib/runtime/discovery). */
export const runtimeAgentListingSchema = agentListingSchema.extend({
  usable: z.boolean().describe("Whether you may run it now: available, enabled, your permissions (agent:execute, a trusted device) and the agent policies allow it"),
  usable_reason: z.string().nullable().describe("Why not, when usable is false"),
});

export const agentConfigViewSchema = z.object({
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
      options: z.array(z.string()).readonly().nullable(),
      help: z.string().nullable(),
      source: z.enum(["database", "environment", "default"]).nullable(),
    }),
  ),
  updated_at: z.string().nullable(),
  updated_by: z.string().nullable(),
});

export const ollamaModelsSchema = z.object({
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
});
