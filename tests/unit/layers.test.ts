import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LIB = path.resolve(import.meta.dirname, "../../lib");

/** Every TypeScript file under lib/<folder>, with the lib/ folders it imports from. */
function importsOf(folder: string): { file: string; imports: string[] }[] {
  const dir = path.join(LIB, folder);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => {
      const file = path.join(dir, f);
      const specifiers = [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!);
      const imports = specifiers
        .map((s) => (s.startsWith("@/lib/") ? path.join(LIB, s.slice(6)) : s.startsWith(".") ? path.resolve(path.dirname(file), s) : null))
        .filter((p): p is string => p !== null && p.startsWith(LIB + path.sep))
        .map((p) => path.relative(LIB, p).split(path.sep)[0]!);
      return { file: path.relative(LIB, file), imports };
    });
}

// DESIGN.md §2: transports → operations → runtime → engine → agents/skills → security → db, never back up.
const FORBIDDEN: Record<string, string[]> = {
  runtime: ["transport", "operations", "client"],
  board: ["transport", "operations", "client"],
  skills: ["transport", "operations", "client", "runtime"],
  engine: ["transport", "operations", "client", "runtime"],
  security: ["transport", "operations", "client", "runtime", "engine", "board"],
  agents: ["transport", "operations", "client", "runtime"],
  operations: ["transport", "client"],
};

describe("layers", () => {
  for (const [folder, forbidden] of Object.entries(FORBIDDEN)) {
    it(`lib/${folder} imports nothing from ${forbidden.map((f) => `lib/${f}`).join(", ")}`, () => {
      const wrong = importsOf(folder).flatMap(({ file, imports }) => imports.filter((i) => forbidden.includes(i)).map((i) => `${file} → lib/${i}`));
      expect(wrong).toEqual([]);
    });
  }
});
