import { z } from "zod";

// SkillSummary / SkillDetails of lib/skills/store.ts; `operation()` checks them against what the catalogue returns.
const ts = z.string().describe("ISO 8601 timestamp");

export const skillSummarySchema = z.object({
  name: z.string(),
  description: z.string(),
  version: z.string().nullable(),
  allowed_tools: z.array(z.string()),
  source: z.string().describe("bundled | directory | upload | path"),
  enabled: z.boolean(),
  usable: z.boolean().describe("Whether the caller may use it in a task (permission, policies, enabled)"),
  file_count: z.number().int(),
  size_bytes: z.number().int(),
  installed_at: ts,
  updated_at: ts,
});

export const skillDetailsSchema = skillSummarySchema.extend({
  instructions: z.string(),
  license: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  files: z.array(z.object({ path: z.string(), size_bytes: z.number().int() })),
  problem: z.string().optional().describe("Set when the folder on disk no longer matches a valid skill"),
});
