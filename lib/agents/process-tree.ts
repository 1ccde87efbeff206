import { readdirSync, readFileSync } from "node:fs";

/**
 * Finding every process an agent started, including the ones a process-group kill misses:
 * Claude Code starts tool shells with setsid (their own session and group), and a daemon
 * that double-forks is reparented to init. Two ways, both from /proc (Linux):
 * - the tree below the agent's pid (parent links, snapshotted while the agent still lives);
 * - a marker variable in the agent's environment that every descendant inherits, which still
 *   finds a child after its parent exited and it was reparented.
 * Elsewhere (no /proc) both come back empty and the caller's group kill is all there is.
 */
export const RUN_MARKER_ENV = "CLAWLINK_AGENT_RUN";

function numericEntries(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Parent pid from /proc/<pid>/stat (the command name in parentheses may itself hold spaces). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (not root itself). */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of numericEntries()) {
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(pid);
    else children.set(parent, [pid]);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Processes whose environment carries `RUN_MARKER_ENV=<marker>`. */
export function processesWithMarker(marker: string): number[] {
  const needle = Buffer.from(`${RUN_MARKER_ENV}=${marker}\0`);
  const found: number[] = [];
  for (const pid of numericEntries()) {
    if (pid === process.pid) continue;
    try {
      // environ ends without a trailing NUL on some kernels: add one so the last entry matches too.
      const environ = Buffer.concat([readFileSync(`/proc/${pid}/environ`), Buffer.from("\0")]);
      if (environ.indexOf(needle) >= 0) found.push(pid);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Send `signal` to each pid; ESRCH (already gone) is fine. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
