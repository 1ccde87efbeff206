import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sleep } from "./stats";

export interface BuildSnapshot {
  /** The project directory to hand to next({dir}): the project's files linked, .next copied. */
  dir: string;
  buildId: string;
  remove(): void;
}

const readBuildId = (dir: string) => (existsSync(path.join(dir, "BUILD_ID")) ? readFileSync(path.join(dir, "BUILD_ID"), "utf8").trim() : null);

/**
 * A private copy of the production build for the bench's servers, so a `next build` started
 * elsewhere during the run cannot pull the files from under them: a folder in the OS temp dir with
 * a symlink to each of the project's top-level entries (node_modules, next.config.ts, public, …)
 * and a copy of .next without its cache. Next's relative links to external packages
 * (.next/node_modules/* → ../../node_modules/*) and module resolution keep working through it.
 */
export async function snapshotBuild(root: string, say: (line: string) => void): Promise<BuildSnapshot> {
  const source = path.join(root, ".next");
  for (let tries = 0; tries < 60; tries++) {
    const before = readBuildId(source);
    if (before && !existsSync(path.join(source, "lock"))) {
      const base = mkdtempSync(path.join(tmpdir(), "clawlink-bench-build-"));
      for (const entry of readdirSync(root)) if (entry !== ".next" && entry !== ".git") symlinkSync(path.join(root, entry), path.join(base, entry));
      const target = path.join(base, ".next");
      try {
        cpSync(source, target, { recursive: true, verbatimSymlinks: true, filter: (src) => src !== path.join(source, "cache") });
      } catch {
        rmSync(base, { recursive: true, force: true });
        continue;
      }
      // Unchanged id and no build lock after the copy: nothing was rebuilt while we copied.
      if (readBuildId(source) === before && readBuildId(target) === before && !existsSync(path.join(source, "lock"))) {
        return { dir: base, buildId: before, remove: () => rmSync(base, { recursive: true, force: true }) };
      }
      rmSync(base, { recursive: true, force: true });
    }
    if (tries === 0) say("[build] a build is in progress in .next; waiting for it to finish …");
    await sleep(5_000);
  }
  throw new Error("no finished production build in .next after 5 minutes");
}
