import path from "node:path";
import { describe, expect, it } from "vitest";
import { normaliseEntryPath, resolveInside, skillLayout, type ArchiveEntry } from "./archive-paths";

const file = (p: string): ArchiveEntry => ({ path: p, kind: "file", data: Buffer.from("x"), executable: false });
const dir = (p: string): ArchiveEntry => ({ path: p, kind: "directory", data: Buffer.alloc(0), executable: false });

describe("normaliseEntryPath", () => {
  it("normalises harmless forms", () => {
    expect(normaliseEntryPath("./a//b/c.txt")).toEqual({ path: "a/b/c.txt", isDirectory: false });
    expect(normaliseEntryPath("a/b/")).toEqual({ path: "a/b", isDirectory: true });
  });

  it.each([
    ["../x", /'\.\.'/],
    ["a/../../x", /'\.\.'/],
    ["/etc/passwd", /absolute/],
    ["C:/Windows/x", /absolute/],
    ["a\\..\\x", /backslashes/],
    ["a\u0000b", /control characters/],
    ["", /empty/],
    [`${"a/".repeat(20)}x`, /deeper/],
  ])("refuses %j", (raw, pattern) => {
    expect(() => normaliseEntryPath(raw)).toThrow(pattern);
  });
});

describe("resolveInside", () => {
  it("keeps paths inside the root and refuses escapes", () => {
    expect(resolveInside("/tmp/root", "a/b")).toBe(path.resolve("/tmp/root/a/b"));
    expect(() => resolveInside("/tmp/root", "../root-sibling/x")).toThrow(/outside/);
  });
});

describe("skillLayout", () => {
  it("takes SKILL.md at the root as the skill folder", () => {
    expect(skillLayout([file("SKILL.md"), file("ref/a.md")])).toEqual({ entries: [file("SKILL.md"), file("ref/a.md")], folderName: null });
  });

  it("strips a single top-level folder and reports its name", () => {
    const out = skillLayout([dir("demo"), file("demo/SKILL.md"), file("demo/x.md"), file("__MACOSX/demo/._x.md")]);
    expect(out.folderName).toBe("demo");
    expect(out.entries.map((e) => e.path)).toEqual(["SKILL.md", "x.md"]);
  });

  it("refuses archives without SKILL.md, duplicates, and file/folder clashes", () => {
    expect(() => skillLayout([file("a/readme.md"), file("b/SKILL.md")])).toThrow(/no SKILL.md/);
    expect(() => skillLayout([file("SKILL.md"), file("SKILL.md")])).toThrow(/more than once/);
    expect(() => skillLayout([file("SKILL.md"), file("a"), file("a/b")])).toThrow(/also a file/);
  });
});
