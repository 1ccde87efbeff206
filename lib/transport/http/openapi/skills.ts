import { z } from "zod";
import { skillNameSchema } from "../../../skills/manifest";
import type { ApiOperation } from "./types";

// Mirrors SkillSummary / SkillDetails in lib/skills/store.ts (TypeScript interfaces there).
const ts = z.string().describe("ISO 8601 timestamp");

const skillSummary = z.object({
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

const skillDetails = skillSummary.extend({
  instructions: z.string(),
  license: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  files: z.array(z.object({ path: z.string(), size_bytes: z.number().int() })),
  problem: z.string().optional().describe("Set when the folder on disk no longer matches a valid skill"),
});

const nameParams = z.object({ name: skillNameSchema });

export const skillOperations: ApiOperation[] = [
  { method: "GET", path: "/api/runtime/skills", tag: "Skills", summary: "The skill catalogue", access: "skill:list", response: z.object({ skills: z.array(skillSummary) }) },
  {
    method: "POST",
    path: "/api/runtime/skills",
    tag: "Skills",
    summary: "Install a skill",
    description: "An archive (multipart field `file`, or the raw body as zip / tar.gz) or JSON {path} naming a folder on the server.",
    access: "skill:install",
    query: z.object({ replace: z.enum(["true", "false", "1", "0"]).optional() }),
    body: z.object({ path: z.string().min(1).max(4096), replace: z.boolean().optional() }),
    rawBody: { contentTypes: ["multipart/form-data", "application/zip", "application/gzip"], description: "A skill folder (with SKILL.md) as an archive" },
    status: 201,
    response: skillDetails.extend({ replaced: z.boolean() }),
    errors: [409, 413, 415],
  },
  { method: "GET", path: "/api/runtime/skills/{name}", tag: "Skills", summary: "One skill with its instructions and files", access: "skill:list", params: nameParams, response: skillDetails },
  {
    method: "PATCH",
    path: "/api/runtime/skills/{name}",
    tag: "Skills",
    summary: "Enable or disable a skill",
    access: "skill:install",
    params: nameParams,
    body: z.object({ enabled: z.boolean() }).strict(),
    response: skillDetails,
  },
  { method: "DELETE", path: "/api/runtime/skills/{name}", tag: "Skills", summary: "Remove an installed skill", access: "skill:install", params: nameParams, errors: [409] },
];
