// @ts-check
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Compile one of the node's TypeScript entry points (scripts/start.ts, bench/server.ts) and the
 * lib/ code it imports into a single plain ES module that node runs directly, without tsx. Under
 * tsx the serving process also carried tsx's loader thread (a second V8 isolate) and, because tsx
 * turns source maps on for the whole process, the parsed source map of every module loaded —
 * Next's server chunks and the SDKs included: about 120 MB of RSS of an idle node (bench/README.md).
 *
 * Packages stay imports from node_modules (a lazily imported one stays lazy), so the file is written
 * under node_modules/.cache/coderclawlink/, named by its content: nodes started from the same
 * sources share it, a new version never overwrites a file a running node was started from.
 * Takes about half a second; returns the file's path.
 */
export function compileEntry(entry, root = process.cwd()) {
  // One at a time: each compilation stops esbuild's shared service when it is done, which would
  // leave a concurrent one (the bench starts several nodes at once) waiting forever.
  const compiled = queue.then(() => compileNow(entry, root));
  queue = compiled.catch(() => {});
  return compiled;
}

/** @type {Promise<unknown>} */
let queue = Promise.resolve();

/** @param {string} entry @param {string} root */
async function compileNow(entry, root) {
  const esbuild = await import("esbuild");
  let code;
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      logLevel: "warning",
      legalComments: "none",
    });
    code = result.outputFiles[0].contents;
  } finally {
    // esbuild's compiler runs as a child process; nothing else needs it once the file is written.
    await esbuild.stop();
  }
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const name = path.basename(entry).replace(/\.tsx?$/, "");
  const dir = path.join(root, "node_modules", ".cache", "coderclawlink");
  const file = path.join(dir, `${name}-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  prune(dir, name, file);
  return file;
}

/** Keep the newest few compilations of an entry (nodes may still run from them); drop the rest. */
function prune(dir, name, keep) {
  const mine = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith(".mjs"))
    .map((f) => path.join(dir, f))
    .filter((f) => f !== keep)
    .map((f) => ({ f, at: statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of mine.slice(4)) rmSync(f, { force: true });
}
