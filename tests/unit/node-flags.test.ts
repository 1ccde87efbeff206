import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { missingServerFlags, SERVER_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** new_space's size after enough short-lived garbage to grow it to its cap, in a node started with `flags`. */
function grownYoungGenerationMb(flags: string[]): number {
  const script = `
    const v8 = require("node:v8");
    let keep = [];
    for (let i = 0; i < 3e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 20000) keep = []; }
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === "new_space");
    process.stdout.write(String(s.space_size / 2 ** 20));`;
  return Number(execFileSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" }));
}

describe("the serving process's node flags", () => {
  it("are what npm start passes to node", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${SERVER_NODE_FLAGS.join(" ")} scripts/start.mjs`);
    expect(missingServerFlags(["--inspect", ...SERVER_NODE_FLAGS])).toEqual([]);
    expect(missingServerFlags([])).toEqual(SERVER_NODE_FLAGS);
  });

  it("cap V8's young generation at 2 × 8 MB instead of the default 2 × 16 MB", () => {
    expect(grownYoungGenerationMb([])).toBe(32);
    expect(grownYoungGenerationMb(SERVER_NODE_FLAGS)).toBe(16);
  });

  it("leave one V8 background thread (this node accepts the flags and still runs wasm)", () => {
    const wasm = "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b";
    const script = `
      const m = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from("${wasm}", "hex")));
      const threads = require("node:fs").readdirSync("/proc/self/task").length;
      process.stdout.write(JSON.stringify({ sum: m.exports.add(2, 3), threads }));`;
    const run = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" })) as { sum: number; threads: number };
    const [plain, flagged] = [run([]), run(SERVER_NODE_FLAGS)];
    expect(flagged.sum).toBe(5);
    // 4 V8 platform workers by default, 1 with --v8-pool-size=1 (Linux /proc shows the threads).
    expect(plain.threads - flagged.threads).toBe(3);
  });
});
