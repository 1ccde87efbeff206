import { describe, expect, it } from "vitest";
import { matchChangedFile } from "./changed-file";
import { toolEdit } from "./tool-edit";

describe("toolEdit", () => {
  it("reads Claude Code's Edit as removed and added lines", () => {
    expect(toolEdit("Edit", { file_path: "/ws/src/a.ts", old_string: "a\nb", new_string: "c" })).toEqual([
      { path: "/ws/src/a.ts", lines: [{ kind: "del", text: "a" }, { kind: "del", text: "b" }, { kind: "add", text: "c" }] },
    ]);
  });

  it("reads MultiEdit, Write and the test agent's delete", () => {
    expect(toolEdit("MultiEdit", { file_path: "x", edits: [{ old_string: "1", new_string: "2" }] })[0].lines).toHaveLength(2);
    expect(toolEdit("Write", { file_path: "n.md", content: "# hi\n" })).toEqual([{ path: "n.md", lines: [{ kind: "add", text: "# hi" }] }]);
    expect(toolEdit("delete", { file_path: "old.txt" })).toEqual([{ path: "old.txt", lines: [] }]);
  });

  it("reads an ACP edit's files", () => {
    expect(toolEdit("Edit a.ts", { kind: "edit", files: ["/w/a.ts"], locations: ["/w/a.ts"] }).map((e) => e.path)).toEqual(["/w/a.ts"]);
  });

  it("is empty for calls that edit nothing", () => {
    expect(toolEdit("Read", { file_path: "a.ts" })).toEqual([]);
    expect(toolEdit("Bash", { command: "ls" })).toEqual([]);
    expect(toolEdit("Edit", "not an object")).toEqual([]);
  });
});

describe("matchChangedFile", () => {
  const files = ["src/a.ts", "a.ts", "docs/readme.md"];
  it("matches the same path, or the longest changed path an absolute one ends with", () => {
    expect(matchChangedFile(files, "a.ts")).toBe("a.ts");
    expect(matchChangedFile(files, "/data/ws/123/src/a.ts")).toBe("src/a.ts");
    expect(matchChangedFile(files, "./docs/readme.md")).toBe("docs/readme.md");
    expect(matchChangedFile(files, "/elsewhere/b.ts")).toBeNull();
  });
});
