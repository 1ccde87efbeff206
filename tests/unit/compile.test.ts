import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyBuiltConfig } from "../../scripts/lib/serve";
import { compileEntry } from "../../scripts/lib/compile.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("compiled entry points (npm start runs on plain node)", () => {
  it("compiles an entry and the lib/ code it imports into one module that node runs without tsx or source maps", async () => {
    const file = await compileEntry("tests/fixtures/compile/entry.ts", ROOT);
    expect(path.relative(ROOT, file)).toMatch(/^node_modules\/\.cache\/coderclawlink\/entry-[0-9a-f]{16}\.mjs$/);
    // lib/ code is inside; packages stay imports (the lazy one stays lazy)
    const code = readFileSync(file, "utf8");
    expect(code).toContain("DEFAULT_TRANSPORTS");
    expect(code).toMatch(/import\("yaml"\)/);
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8" })) as Record<string, unknown>;
    expect(out).toEqual({ transports: ["http", "ws", "clawlink"], yaml: { a: 1 }, sourceMaps: false, tsx: false });
    // Same sources, same file: nodes started from one checkout share it.
    expect(await compileEntry("tests/fixtures/compile/entry.ts", ROOT)).toBe(file);
  });

  it("compiles several entries started at once (the bench starts nodes together): every one finishes", async () => {
    const files = await Promise.all([1, 2, 3].map(() => compileEntry("tests/fixtures/compile/entry.ts", ROOT)));
    expect(new Set(files).size).toBe(1);
    expect(readFileSync(files[0]!, "utf8")).toContain("DEFAULT_TRANSPORTS");
  }, 30_000);

  it("hands Next the configuration the build resolved instead of loading next.config.ts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clawlink-built-config-"));
    const config = { distDir: ".next", poweredByHeader: false, experimental: { preloadEntriesOnStart: true } };
    mkdirSync(path.join(dir, ".next"), { recursive: true });
    writeFileSync(path.join(dir, ".next", "required-server-files.json"), JSON.stringify({ version: 1, config }));
    const before = process.env.__NEXT_PRIVATE_STANDALONE_CONFIG;
    try {
      applyBuiltConfig(dir);
      expect(JSON.parse(process.env.__NEXT_PRIVATE_STANDALONE_CONFIG!)).toEqual(config);
    } finally {
      if (before === undefined) delete process.env.__NEXT_PRIVATE_STANDALONE_CONFIG;
      else process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = before;
    }
  });
});
