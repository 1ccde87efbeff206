import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const SOURCES = ["app", "components", "lib", "public", "package.json", "package-lock.json", "next.config.ts", "postcss.config.mjs", "tsconfig.json"];
const STAMP = path.join(".next", "clawlink-source-fingerprint");

/** A cheap fingerprint of the sources (paths, sizes, mtimes) to tell whether .next is stale. */
function sourceFingerprint(root: string): string {
  const hash = createHash("sha256");
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith(".") && name !== "node_modules") walk(path.join(p, name));
    } else if (!/\.test\.tsx?$/.test(p)) {
      hash.update(`${p}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const s of SOURCES) walk(path.join(root, s));
  return hash.digest("hex");
}

/** Run `next build` when there is no build or the sources changed since the last one. */
export function buildIfNeeded(root: string, say: (line: string) => void): void {
  const fingerprint = sourceFingerprint(root);
  const built = existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(path.join(root, STAMP));
  if (built && readFileSync(path.join(root, STAMP), "utf8") === fingerprint) return;
  say(built ? "Sources changed since the last build; rebuilding (about 30 s)…" : "First start: building the portal (about 30 s)…");
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed; see the output above");
  writeFileSync(path.join(root, STAMP), fingerprint);
}
