import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installSkillsInWorkspace, skillsSystemPrompt } from "./skills";
import type { SkillForAgent } from "./types";

const skill = (name: string, dir = "/nonexistent"): SkillForAgent => ({
  name,
  description: `${name} description`,
  instructions: `Do ${name} carefully.`,
  path: path.join(dir, name),
  allowedTools: [],
});

describe("skills for agents", () => {
  it("puts each skill's instructions in the system prompt after the base", () => {
    const prompt = skillsSystemPrompt([skill("code-review")], "Be brief.")!;
    expect(prompt.startsWith("Be brief.")).toBe(true);
    expect(prompt).toContain('<skill name="code-review">');
    expect(prompt).toContain("Do code-review carefully.");
    expect(skillsSystemPrompt([])).toBeUndefined();
  });

  it("copies skill folders without links, keeps the project's own skills, and removes only its own", async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), "ws-"));
    const library = await mkdtemp(path.join(tmpdir(), "skills-"));
    await mkdir(path.join(library, "write-tests"));
    await writeFile(path.join(library, "write-tests", "SKILL.md"), "---\nname: write-tests\n---\nbody\n");
    await symlink("/etc/passwd", path.join(library, "write-tests", "passwd"));
    await mkdir(path.join(workspace, ".claude", "skills", "code-review"), { recursive: true });
    await writeFile(path.join(workspace, ".claude", "skills", "code-review", "SKILL.md"), "project's own");

    const cleanup = await installSkillsInWorkspace(workspace, ".claude/skills", [skill("code-review"), skill("write-tests", library), skill("../escape")]);
    const dir = path.join(workspace, ".claude", "skills");
    expect(await readFile(path.join(dir, "code-review", "SKILL.md"), "utf8")).toBe("project's own");
    expect(existsSync(path.join(dir, "write-tests", "SKILL.md"))).toBe(true);
    expect(existsSync(path.join(dir, "write-tests", "passwd"))).toBe(false);
    expect(existsSync(path.join(workspace, ".claude", "escape"))).toBe(false);

    await cleanup();
    expect(existsSync(path.join(dir, "write-tests"))).toBe(false);
    expect(existsSync(path.join(dir, "code-review", "SKILL.md"))).toBe(true);
  });

  it("writes SKILL.md from the catalogue when the folder is gone, and leaves no empty folders", async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), "ws-"));
    const cleanup = await installSkillsInWorkspace(workspace, ".agents/skills", [skill("explain-repo")]);
    const text = await readFile(path.join(workspace, ".agents", "skills", "explain-repo", "SKILL.md"), "utf8");
    expect(text).toContain("name: explain-repo");
    expect(text).toContain("Do explain-repo carefully.");
    await cleanup();
    expect(existsSync(path.join(workspace, ".agents"))).toBe(false);
  });
});
