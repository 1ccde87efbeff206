import { parseDocument } from "yaml";
import { z } from "zod";
import { AppError } from "../errors";
import { SKILL_LIMITS } from "./limits";

/** The Agent Skills naming rule: lowercase letters, digits and single hyphens, not at either end. */
export const SKILL_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const skillNameSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(64, { message: "must be at most 64 characters" })
  .regex(SKILL_NAME_PATTERN, { message: "must be lowercase letters, digits and single hyphens (not at the start or end)" });

/** What SKILL.md declares, after validation. */
export interface SkillManifest {
  name: string;
  description: string;
  version: string | null;
  allowedTools: string[];
  license: string | null;
  metadata: Record<string, string>;
  /** The markdown body after the front matter. */
  instructions: string;
}

const toolName = z.string().trim().min(1, { message: "a tool name must not be empty" }).max(200, { message: "a tool name must be at most 200 characters" });

const frontMatterSchema = z.object({
  name: skillNameSchema,
  description: z
    .string({ message: "is required" })
    .trim()
    .min(1, { message: "must not be empty" })
    .max(1024, { message: "must be at most 1024 characters" }),
  version: z.string().trim().min(1).max(64, { message: "must be at most 64 characters" }).optional(),
  "allowed-tools": z
    .union([z.array(toolName), z.string().transform(splitToolList)])
    .pipe(z.array(toolName).max(100, { message: "at most 100 tools" }))
    .optional(),
  license: z.string().trim().max(500, { message: "must be at most 500 characters" }).optional(),
  metadata: z.record(z.string(), z.string(), { message: "must be a map of string keys to string values" }).optional(),
});

/**
 * Parse a SKILL.md: YAML front matter between `---` lines, then the instructions.
 * The YAML is read with the failsafe schema so every scalar stays a string
 * (`version: 1.10` must not become the number 1.1).
 */
export function parseSkillManifest(text: string, opts: { folderName?: string } = {}): SkillManifest {
  if (Buffer.byteLength(text, "utf8") > SKILL_LIMITS.maxManifestBytes) {
    throw invalid(`SKILL.md is larger than ${SKILL_LIMITS.maxManifestBytes} bytes`);
  }
  // PostgreSQL text cannot hold NUL, and no instructions need one.
  if (text.includes("\u0000")) throw invalid("SKILL.md must not contain the NUL character (\\u0000)");
  const { yamlText, body } = splitFrontMatter(text);
  const doc = parseDocument(yamlText, { schema: "failsafe", uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw invalid(`SKILL.md front matter is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  const data = frontMatterData(doc);
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw invalid("SKILL.md front matter must be a YAML mapping with at least name and description");
  }
  const parsed = frontMatterSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(front matter)", message: i.message }));
    const first = issues[0];
    throw invalid(`SKILL.md front matter is invalid: ${first.field} ${first.message}`, { issues });
  }
  const fm = parsed.data;
  if (opts.folderName !== undefined && opts.folderName !== fm.name) {
    throw invalid(`The skill's name "${fm.name}" must match its folder name "${opts.folderName}"`, {
      name: fm.name,
      folder: opts.folderName,
    });
  }
  const instructions = body.trim();
  if (instructions === "") throw invalid("SKILL.md has no instructions after its front matter");
  return {
    name: fm.name,
    description: fm.description,
    version: fm.version ?? null,
    allowedTools: [...new Set(fm["allowed-tools"] ?? [])],
    license: fm.license ?? null,
    metadata: fm.metadata ?? {},
    instructions,
  };
}

/** The front matter as plain data; aliases that expand without bound (a "billion laughs") are refused. */
function frontMatterData(doc: ReturnType<typeof parseDocument>): unknown {
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // yaml throws a ReferenceError for excessive or unresolved aliases.
    if (error instanceof ReferenceError) throw invalid(`SKILL.md front matter is refused: ${error.message}`);
    throw error;
  }
}

function splitFrontMatter(text: string): { yamlText: string; body: string } {
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!normalised.startsWith("---\n")) {
    throw invalid("SKILL.md must start with YAML front matter between two '---' lines");
  }
  const end = normalised.indexOf("\n---", 3);
  // The closing fence must be a line of its own (`---` then end of line or end of file).
  const closing = end === -1 ? -1 : normalised.slice(end + 4).match(/^[ \t]*(\n|$)/) ? end : -1;
  if (closing === -1) throw invalid("SKILL.md front matter is not closed by a '---' line");
  const afterFence = normalised.indexOf("\n", closing + 4);
  return {
    yamlText: normalised.slice(4, closing + 1),
    body: afterFence === -1 ? "" : normalised.slice(afterFence + 1),
  };
}

/**
 * `allowed-tools` as a string: Claude Code writes "Read, Grep, Glob", the Agent Skills spec
 * "Read Grep Glob". Split on commas and blanks, but not inside parentheses, so
 * "Bash(npm run test:*)" stays one tool.
 */
export function splitToolList(value: string): string[] {
  const tools: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of value) {
    if (ch === "(") depth++;
    if (ch === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === "," || /\s/.test(ch))) {
      if (current.trim()) tools.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim()) tools.push(current.trim());
  return tools;
}

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError("validation_failed", message, details);
}
