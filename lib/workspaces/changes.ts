import { existsSync } from "node:fs";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { taskWorkspaces, workspaces, type TaskWorkspace, type Workspace } from "../db/schema";
import { env } from "../env";
import { isTerminal } from "../engine/lifecycle";
import { loadVisibleTask } from "../runtime/access";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { git, snapshot } from "./git";
import { targetOf } from "./prepare";
import type { ChangedFile, TaskChanges } from "./schemas";

/** The unified diff is cut beyond this (the file list and stats stay complete). */
const MAX_DIFF_BYTES = 2 * 1024 * 1024;

type ChangeStatus = ChangedFile["status"];

const STATUS: Record<string, ChangeStatus> = { A: "added", M: "modified", D: "deleted", R: "renamed", C: "copied", T: "type_changed" };

/** `--name-status -z` and `--numstat -z` of the same diff, joined per file. */
export function parseChanges(nameStatus: string, numstat: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  const ns = nameStatus.split("\0").filter((p, i, all) => p !== "" || i < all.length - 1);
  for (let i = 0; i < ns.length; ) {
    const code = ns[i++];
    if (!code) continue;
    const letter = code[0];
    if (letter === "R" || letter === "C") {
      const from = ns[i++];
      const to = ns[i++];
      files.push({ path: to, old_path: from, status: STATUS[letter], binary: false, additions: 0, deletions: 0 });
    } else {
      files.push({ path: ns[i++], old_path: null, status: STATUS[letter] ?? "modified", binary: false, additions: 0, deletions: 0 });
    }
  }
  const byPath = new Map(files.map((f) => [f.path, f]));
  const nums = numstat.split("\0");
  for (let i = 0; i < nums.length; i++) {
    const entry = nums[i];
    if (!entry) continue;
    const [added, deleted, name] = entry.split("\t");
    // A rename's numstat has an empty name, then the old and the new path as the next two fields.
    const file = byPath.get(name === "" ? nums[(i += 2)] : name);
    if (!file) continue;
    file.binary = added === "-" && deleted === "-";
    file.additions = file.binary ? 0 : Number(added);
    file.deletions = file.binary ? 0 : Number(deleted);
  }
  return files;
}

function retainedUntil(ws: Workspace, openPr: boolean): string | null {
  if (ws.removedAt || openPr) return null;
  return new Date(ws.lastUsedAt.getTime() + env().WORKSPACE_RETENTION_HOURS * 3600_000).toISOString();
}

/** What a task changed: files, stats, the unified diff and its commits; live while it runs. */
export async function getTaskChanges(db: DbOrTx, ctx: AuthContext, taskId: string): Promise<TaskChanges> {
  await authorize(ctx, "task:view");
  const task = await loadVisibleTask(db, ctx, taskId);
  const [row] = await db
    .select({ link: taskWorkspaces, ws: workspaces })
    .from(taskWorkspaces)
    .innerJoin(workspaces, eq(workspaces.id, taskWorkspaces.workspaceId))
    .where(eq(taskWorkspaces.executionId, task.id))
    .limit(1);
  const empty = { files: [], stats: { files: 0, additions: 0, deletions: 0 }, diff: "", diff_truncated: false, commits: [] };
  if (!row) return { task_id: task.id, live: false, workspace: null, pull_request: null, ...empty };
  const live = !isTerminal(task.state) || !row.link.endSnapshot;
  const workspace = {
    kind: row.ws.kind,
    branch: row.ws.branch,
    base_branch: row.ws.baseBranch,
    base_commit: row.ws.baseCommit,
    removed_at: row.ws.removedAt?.toISOString() ?? null,
    removal_reason: row.ws.removalReason,
    retained_until: retainedUntil(row.ws, row.link.pullRequest?.state === "open"),
  };
  const base = { task_id: task.id, live, workspace, pull_request: row.link.pullRequest ?? null };
  // A removed workspace keeps its snapshots only while the repository does: read what is left.
  if (!existsSync(row.ws.repoPath ?? row.ws.gitDir ?? row.ws.path)) return { ...base, ...empty };
  return { ...base, ...(await diffOf(row.ws, row.link, live)) };
}

async function diffOf(ws: Workspace, link: TaskWorkspace, live: boolean) {
  // Snapshots and refs live in the repository, so a removed worktree still answers from its repo.
  const target = ws.kind === "worktree" ? { dir: existsSync(ws.path) ? ws.path : ws.repoPath! } : targetOf(ws);
  let to = link.endSnapshot;
  let head = link.endHead;
  if (live || !to) {
    if (!existsSync(ws.path)) return { files: [], stats: { files: 0, additions: 0, deletions: 0 }, diff: "", diff_truncated: false, commits: [] };
    const now = await snapshot(target, `refs/clawlink/tasks/${link.executionId}/live`);
    to = now.snapshot;
    head = now.head;
  }
  const range = [link.startSnapshot, to];
  const [nameStatus, numstat, patch, log] = await Promise.all([
    git(target, ["diff", "--no-color", "--find-renames", "--name-status", "-z", ...range]),
    git(target, ["diff", "--no-color", "--find-renames", "--numstat", "-z", ...range]),
    git(target, ["diff", "--no-color", "--find-renames", "--no-ext-diff", ...range]),
    git(target, ["log", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1e", `${link.startHead}..${head}`]),
  ]);
  const files = parseChanges(nameStatus, numstat);
  const truncated = Buffer.byteLength(patch) > MAX_DIFF_BYTES;
  return {
    files,
    stats: { files: files.length, additions: files.reduce((n, f) => n + f.additions, 0), deletions: files.reduce((n, f) => n + f.deletions, 0) },
    diff: truncated ? Buffer.from(patch).subarray(0, MAX_DIFF_BYTES).toString("utf8") : patch,
    diff_truncated: truncated,
    commits: log
      .split("\x1e")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [sha, author_name, author_email, date, message] = entry.split("\x1f");
        return { sha, author_name, author_email, date, message };
      }),
  };
}
