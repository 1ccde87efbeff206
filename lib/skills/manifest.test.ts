import { describe, expect, it } from "vitest";
import { isAppError } from "../errors";
import { parseSkillManifest, splitToolList } from "./manifest";

const md = (front: string, body = "Do the thing.\n") => `---\n${front}\n---\n\n${body}`;

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a failure");
}

describe("parseSkillManifest", () => {
  it("reads name, description, version, allowed-tools, license, metadata and the body", () => {
    const m = parseSkillManifest(
      md("name: code-review\ndescription: Review a diff.\nversion: 1.10\nallowed-tools: [Read, Grep]\nlicense: MIT\nmetadata:\n  author: ada", "# Review\n\nSteps."),
    );
    expect(m).toEqual({
      name: "code-review",
      description: "Review a diff.",
      version: "1.10",
      allowedTools: ["Read", "Grep"],
      license: "MIT",
      metadata: { author: "ada" },
      instructions: "# Review\n\nSteps.",
    });
  });

  it("accepts CRLF line endings and a byte-order mark", () => {
    const m = parseSkillManifest("\uFEFF---\r\nname: a\r\ndescription: b\r\n---\r\nbody\r\n");
    expect(m.name).toBe("a");
    expect(m.instructions).toBe("body");
  });

  it("splits allowed-tools strings on commas or blanks, keeping parenthesised arguments whole", () => {
    expect(splitToolList("Read, Grep Glob,Bash(npm run test:*)")).toEqual(["Read", "Grep", "Glob", "Bash(npm run test:*)"]);
    expect(parseSkillManifest(md("name: a\ndescription: b\nallowed-tools: Read Bash(git diff:*)")).allowedTools).toEqual(["Read", "Bash(git diff:*)"]);
  });

  it.each([
    ["no front matter", "# Just markdown\n", /must start with YAML front matter/],
    ["unclosed front matter", "---\nname: a\ndescription: b\n", /not closed/],
    ["invalid YAML", md("name: [a\ndescription: b"), /not valid YAML/],
    ["a list instead of a mapping", md("- a\n- b"), /must be a YAML mapping/],
    ["missing name", md("description: b"), /name/],
    ["missing description", md("name: a"), /description/],
    ["upper-case name", md("name: Code-Review\ndescription: b"), /name must be lowercase/],
    ["name with a double hyphen", md("name: a--b\ndescription: b"), /name must be lowercase/],
    ["name longer than 64", md(`name: ${"a".repeat(65)}\ndescription: b`), /at most 64/],
    ["description longer than 1024", md(`name: a\ndescription: ${"x".repeat(1025)}`), /at most 1024/],
    ["duplicate keys", md("name: a\nname: b\ndescription: c"), /not valid YAML/],
    ["metadata that is not a string map", md("name: a\ndescription: b\nmetadata: [1, 2]"), /metadata/],
    ["an empty body", md("name: a\ndescription: b", "   \n"), /no instructions/],
    ["a NUL in the front matter", md("name: a\ndescription: b\u0000c"), /NUL character/],
    ["a NUL in the instructions", md("name: a\ndescription: b", "Do\u0000it"), /NUL character/],
    [
      "an alias bomb (billion laughs)",
      md(["name: a", "description: b", 'x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...[1, 2, 3, 4, 5, 6].map((i) => `x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(",")}]`)].join("\n")),
      /resource exhaustion/,
    ],
  ])("refuses %s with a 422 naming the problem", (_label, text, pattern) => {
    const error = failure(() => parseSkillManifest(text));
    expect(error.code).toBe("validation_failed");
    expect(error.message).toMatch(pattern);
  });

  it("requires the name to match the folder", () => {
    const error = failure(() => parseSkillManifest(md("name: a\ndescription: b"), { folderName: "other" }));
    expect(error.message).toMatch(/must match its folder name "other"/);
  });
});
