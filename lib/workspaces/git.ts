import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

const GIT_TIMEOUT_MS = 120_000;

/** The identity of commits clawlink makes itself (snapshots, a scratch folder's first commit). */
const SELF = { name: "coderClawLink", email: "clawlink@localhost" };

/** How git runs for a workspace: in a folder, optionally with its git dir kept elsewhere. */
export interface GitTarget {
  dir: string;
  /** A separate git dir (a project folder that is not itself a repository). */
  gitDir?: string | null;
}

/** Nothing from the server's environment but PATH and HOME; never a prompt for credentials. */
function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" };
  for (const key of ["PATH", "HOME"]) if (process.env[key]) env[key] = process.env[key]!;
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** simple-git bound to a target, with a clean environment (and GIT_DIR/GIT_WORK_TREE when separate). */
export function gitFor(target: GitTarget, extraEnv: Record<string, string | undefined> = {}): SimpleGit {
  const env = baseEnv(target.gitDir ? { GIT_DIR: target.gitDir, GIT_WORK_TREE: target.dir, ...extraEnv } : extraEnv);
  return simpleGit({
    baseDir: target.dir,
    maxConcurrentProcesses: 4,
    trimmed: false,
    // simple-git strips or refuses GIT_* variables unless named: these are the ones set above.
    allowEnvironment: Object.keys(env),
    // Every wait is bounded: a git that stops printing for this long is killed.
    timeout: { block: GIT_TIMEOUT_MS },
    // simple-git resolves a non-zero exit that printed nothing to stderr (`show-ref --quiet`): refuse it.
    errors: (error, result) => {
      if (error) return error;
      if (result.exitCode === 0) return undefined;
      const stderr = Buffer.concat(result.stdErr);
      return stderr.length > 0 ? stderr : new Error(`git exited with code ${result.exitCode}`);
    },
  }).env(env);
}

export async function git(target: GitTarget, args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<string> {
  return gitFor(target, extraEnv).raw(args);
}

export async function revParse(target: GitTarget, ref: string): Promise<string> {
  return (await git(target, ["rev-parse", "--verify", `${ref}^{commit}`])).trim();
}

export async function isGitRepository(dir: string): Promise<boolean> {
  try {
    const top = (await git({ dir }, ["rev-parse", "--show-toplevel"])).trim();
    return path.resolve(top) === path.resolve(dir);
  } catch {
    return false;
  }
}

/** The repository's default branch: origin's HEAD when known, else the checkout's current branch. */
export async function defaultBranch(repo: string): Promise<string> {
  try {
    const ref = (await git({ dir: repo }, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])).trim();
    if (ref) return ref.replace(/^refs\/remotes\/origin\//, "");
  } catch {
    // no origin/HEAD
  }
  return (await git({ dir: repo }, ["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
}

const selfEnv = { GIT_AUTHOR_NAME: SELF.name, GIT_AUTHOR_EMAIL: SELF.email, GIT_COMMITTER_NAME: SELF.name, GIT_COMMITTER_EMAIL: SELF.email };

/** A fresh repository in `dir` (or with its git dir at `target.gitDir`) with one empty commit on main. */
export async function initRepository(target: GitTarget): Promise<string> {
  // With a separate git dir, GIT_DIR (set by gitFor) says where the repository goes.
  await git(target, ["init", "--quiet", "--initial-branch=main"]);
  await git(target, ["commit", "--quiet", "--allow-empty", "-m", "Workspace created by coderClawLink"], selfEnv);
  return revParse(target, "HEAD");
}

/**
 * A commit of the whole working tree as it is now (tracked, changed and untracked files; ignored
 * ones left out), on top of HEAD, made through a private index so the agent's own index is
 * untouched. `ref` keeps it from garbage collection.
 */
export async function snapshot(target: GitTarget, ref: string): Promise<{ head: string; snapshot: string }> {
  const head = await revParse(target, "HEAD");
  const scratch = await mkdtemp(path.join(tmpdir(), "clawlink-index-"));
  const index = { GIT_INDEX_FILE: path.join(scratch, "index") };
  try {
    await git(target, ["read-tree", head], index);
    await git(target, ["add", "--all", "--", "."], index);
    const tree = (await git(target, ["write-tree"], index)).trim();
    const commit = (await git(target, ["commit-tree", tree, "-p", head, "-m", "coderClawLink snapshot"], { ...selfEnv, ...index })).trim();
    await git(target, ["update-ref", ref, commit]);
    return { head, snapshot: commit };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Serialise git operations that change one repository's refs or worktrees (git locks them). */
const queues = new Map<string, Promise<unknown>>();
export function serialised<T>(repo: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(repo) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  queues.set(repo, next);
  const forget = () => {
    if (queues.get(repo) === next) queues.delete(repo);
  };
  next.then(forget, forget);
  return next;
}
