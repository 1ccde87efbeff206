import { describe, expect, it } from "vitest";
import { languageOf, parseUnifiedDiff } from "./parse-diff";

describe("parseUnifiedDiff", () => {
  it("splits files and classifies lines; binary files have none", () => {
    const diff = [
      "diff --git a/src/a.ts b/src/a.ts",
      "index 1..2 100644",
      "--- a/src/a.ts",
      "+++ b/src/a.ts",
      "@@ -1,2 +1,2 @@",
      " const a = 1;",
      "-const b = 2;",
      "+const b = 3;",
      "\\ No newline at end of file",
      "diff --git a/logo.bin b/logo.bin",
      "new file mode 100644",
      "Binary files /dev/null and b/logo.bin differ",
      "",
    ].join("\n");
    const files = parseUnifiedDiff(diff);
    expect(files.map((f) => [f.path, f.binary])).toEqual([["src/a.ts", false], ["logo.bin", true]]);
    expect(files[0].lines.map((l) => l.kind)).toEqual(["hunk", "ctx", "del", "add"]);
    expect(files[0].lines[3].text).toBe("const b = 3;");
    expect(languageOf("src/a.ts")).toBe("typescript");
    expect(languageOf("Makefile")).toBe("text");
  });
});
