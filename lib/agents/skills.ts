import { cp, lstat, mkdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SkillForAgent } from "./types";

/** A system prompt for API agents: the configured base, then each skill's instructions. */
export function skillsSystemPrompt(skills: SkillForAgent[], base?: string): string | undefined {
  const parts: string[] = [];
  if (base?.trim()) parts.push(base.trim());
  for (const skill of skills) {
    parts.push(`<skill name="${skill.name}">\n${skill.description}\n\n${skill.instructions.trim()}\n</skill>`);
  }
  if (skills.length > 0 && !base?.trim()) {
    parts.unshift("You are a coding agent. Follow the instructions of these skills where they apply.");
  }
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}

const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Copy skills to where a CLI discovers them (`.claude/skills/<name>/` for Claude Code …).
 * A skill folder already in the workspace is the project's own and is left alone; the
 * returned function removes only what this run added, so a project checkout stays clean.
 */
export async function installSkillsInWorkspace(workspace: string, relativeDir: string, skills: SkillForAgent[]): Promise<() => Promise<void>> {
  const added: string[] = [];
  const root = path.join(workspace, relativeDir);
  const rootExisted = await exists(root);
  for (const skill of skills) {
    if (!SAFE_NAME.test(skill.name)) continue;
    const target = path.join(root, skill.name);
    if (await exists(target)) continue;
    await mkdir(target, { recursive: true });
    added.push(target);
    if (skill.path && (await exists(path.join(skill.path, "SKILL.md")))) {
      // Links are not followed: a skill folder must not pull files from elsewhere on the server.
      await cp(skill.path, target, { recursive: true, dereference: false, verbatimSymlinks: true, filter: notLink });
    } else {
      await writeFile(path.join(target, "SKILL.md"), skillMarkdown(skill));
    }
  }
  return async () => {
    for (const dir of added) await rm(dir, { recursive: true, force: true });
    if (!rootExisted && added.length > 0) {
      // Remove the folders this run created (.claude/skills, then .claude) when they are empty.
      let dir = root;
      while (dir.startsWith(workspace) && dir !== workspace) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        dir = path.dirname(dir);
      }
    }
  };
}

async function notLink(source: string): Promise<boolean> {
  return !(await lstat(source)).isSymbolicLink();
}

function skillMarkdown(skill: SkillForAgent): string {
  const tools = skill.allowedTools.length > 0 ? `allowed-tools: ${skill.allowedTools.join(", ")}\n` : "";
  return `---\nname: ${skill.name}\ndescription: ${JSON.stringify(skill.description)}\n${tools}---\n\n${skill.instructions}\n`;
}
