import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const identity = { GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.com", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.com" };

export function gitIn(dir: string, args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env: { ...process.env, ...identity, GIT_CONFIG_NOSYSTEM: "1" }, encoding: "utf8" });
}

/**
 * A checkout with a few files on `main`, whose `origin` is a local bare repository (the
 * remote a pull request's branch is pushed to). `remoteRoot/owner/repo.git` is the bare one.
 */
export function seedRepository(files: Record<string, string> = { "README.md": "# Demo\n", "old.txt": "old\n", "a.txt": "same content\nline two\nline three\n" }): { checkout: string; bare: string; remoteRoot: string } {
  const root = mkdtempSync(path.join(tmpdir(), "clawlink-repo-"));
  const remoteRoot = path.join(root, "remotes");
  const bare = path.join(remoteRoot, "octo", "demo.git");
  execFileSync("mkdir", ["-p", bare]);
  gitIn(bare, ["init", "--quiet", "--bare", "--initial-branch=main"]);
  const checkout = path.join(root, "checkout");
  execFileSync("mkdir", ["-p", checkout]);
  gitIn(checkout, ["init", "--quiet", "--initial-branch=main"]);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(checkout, name), content);
  gitIn(checkout, ["add", "--all"]);
  gitIn(checkout, ["commit", "--quiet", "-m", "Initial commit"]);
  gitIn(checkout, ["remote", "add", "origin", bare]);
  gitIn(checkout, ["push", "--quiet", "-u", "origin", "main"]);
  gitIn(checkout, ["remote", "set-head", "origin", "main"]);
  return { checkout, bare, remoteRoot };
}
