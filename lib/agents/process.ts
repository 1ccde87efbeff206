import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { log } from "../log";
import { AgentError } from "./errors";
import { descendantsOf, processesWithMarker, RUN_MARKER_ENV, signalAll } from "./process-tree";

/** Only these come from the server's environment; everything else is what the adapter passes. */
const INHERITED_ENV = ["PATH", "HOME"] as const;
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const DEFAULT_STDERR_BYTES = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 3000;
const DEFAULT_INTERRUPT_GRACE_MS = 2000;

export interface SpawnAgentOptions {
  /** Executable name (looked up on PATH) or path. */
  bin: string;
  args: string[];
  cwd: string;
  /** Extra environment for the child; undefined values are dropped. */
  env?: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Called once per complete stdout line (without the newline). */
  onLine: (line: string) => void;
  /** Fail the run when no stdout line arrives for this long; 0 or undefined disables it. */
  idleTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs?: number;
  /** Keep stdin open for a two-way protocol; otherwise it is closed at once. */
  stdin?: boolean;
  maxStderrBytes?: number;
  /**
   * Asked first when the run is aborted (e.g. send the CLI's own interrupt), so the agent can
   * stop its turn cleanly; the process tree is ended `interruptGraceMs` later in any case.
   */
  interrupt?: () => void;
  interruptGraceMs?: number;
}

export type ExitReason = "exit" | "aborted" | "idle" | "spawn_error" | "parser_error";

export interface ProcessExit {
  reason: ExitReason;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The tail of stderr, bounded. */
  stderr: string;
  /** For spawn_error: the OS error (ENOENT …). */
  error?: Error;
}

export interface AgentProcess {
  pid: number | undefined;
  /** Write one line (a newline is appended); ignored once stdin is closed. */
  writeLine(line: string): void;
  /** Write bytes as they are (framed protocols such as ACP's NDJSON); ignored once stdin is closed. */
  write(chunk: Uint8Array | string): void;
  endInput(): void;
  /** Stop the idle watchdog while waiting on a person; call the returned function to restart it. */
  pauseWatchdog(): () => void;
  /** End the agent and every process it started (SIGTERM, then SIGKILL after the grace period). */
  terminate(reason: "aborted" | "idle" | "parser_error"): void;
  exited: Promise<ProcessExit>;
}

/** The clean environment a CLI agent gets: PATH, HOME and the adapter's variables, nothing else. */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== "") env[key] = value;
  return env;
}

/**
 * Start a CLI agent in its own process group with a clean environment, feed its stdout
 * line by line, keep a bounded stderr tail, and end it with everything it started on abort
 * or idleness (and end its leftovers when it exits).
 */
export function spawnAgentProcess(options: SpawnAgentOptions): AgentProcess {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stderrLimit = options.maxStderrBytes ?? DEFAULT_STDERR_BYTES;
  let child: ChildProcess;
  let ended: ExitReason | null = null;
  let stderr = "";
  let watchdog: NodeJS.Timeout | undefined;
  let watchdogPaused = 0;
  let killTimer: NodeJS.Timeout | undefined;
  let interruptTimer: NodeJS.Timeout | undefined;

  let resolveExit!: (exit: ProcessExit) => void;
  const exited = new Promise<ProcessExit>((resolve) => (resolveExit = resolve));

  // Every descendant inherits this marker, so processes that left the group (setsid tool
  // shells) or lost their parent are still found and ended with the run.
  const marker = randomUUID();
  const known = new Set<number>();

  const signalGroup = (sig: NodeJS.Signals) => {
    if (!child?.pid) return;
    try {
      // Negative pid: the whole group, so grandchildren (MCP servers, shells) go too.
      process.kill(-child.pid, sig);
    } catch {
      // ESRCH: the group is already gone.
    }
  };

  /** The group, the tree below the agent (while it lives) and everything carrying the marker. */
  const signalEverything = (sig: NodeJS.Signals) => {
    if (child?.pid) for (const pid of descendantsOf(child.pid)) known.add(pid);
    for (const pid of processesWithMarker(marker)) known.add(pid);
    signalGroup(sig);
    signalAll(known, sig);
  };

  const endAll = () => {
    signalEverything("SIGTERM");
    if (!killTimer) {
      killTimer = setTimeout(() => signalEverything("SIGKILL"), graceMs);
      killTimer.unref();
    }
  };

  const terminate = (reason: "aborted" | "idle" | "parser_error") => {
    if (ended === null) ended = reason;
    clearTimeout(watchdog);
    clearTimeout(interruptTimer);
    endAll();
  };

  const onAbort = () => {
    if (!options.interrupt || ended !== null) return terminate("aborted");
    ended = "aborted";
    clearTimeout(watchdog);
    try {
      options.interrupt();
    } catch {
      // The interrupt is a courtesy; the kill below is the guarantee.
    }
    interruptTimer = setTimeout(() => terminate("aborted"), options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS);
    interruptTimer.unref();
  };

  const armWatchdog = () => {
    clearTimeout(watchdog);
    if (!options.idleTimeoutMs || watchdogPaused > 0 || ended !== null) return;
    watchdog = setTimeout(() => terminate("idle"), options.idleTimeoutMs);
  };

  try {
    child = spawn(options.bin, options.args, {
      cwd: options.cwd,
      env: childEnv({ ...options.env, [RUN_MARKER_ENV]: marker }) as NodeJS.ProcessEnv,
      detached: true,
      stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
  } catch (error) {
    // Synchronous spawn failures (bad cwd type, invalid args) are reported like async ones.
    const err = error instanceof Error ? error : new Error(String(error));
    resolveExit({ reason: "spawn_error", code: null, signal: null, stderr: "", error: err });
    return {
      pid: undefined,
      writeLine: () => undefined,
      write: () => undefined,
      endInput: () => undefined,
      pauseWatchdog: () => () => undefined,
      terminate: () => undefined,
      exited,
    };
  }

  log.debug({ bin: options.bin, cwd: options.cwd, pid: child.pid }, "agent process started");
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
    // A failed spawn has no pid and may never emit "close".
    if (child.pid === undefined) {
      options.signal.removeEventListener("abort", onAbort);
      clearTimeout(watchdog);
      resolveExit({ reason: "spawn_error", code: null, signal: null, stderr: "", error });
    }
  });

  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      armWatchdog();
      if (line.trim() !== "") deliver(line);
      newline = pending.indexOf("\n");
    }
    if (pending.length > MAX_LINE_BYTES) {
      stderr += `\n[clawlink] dropped an stdout line longer than ${MAX_LINE_BYTES} bytes`;
      pending = "";
    }
  });

  const deliver = (line: string) => {
    try {
      options.onLine(line);
    } catch (error) {
      // A parser bug must not leave the process running unsupervised.
      stderr += `\n[clawlink] ${error instanceof Error ? error.message : String(error)}`;
      terminate("parser_error");
    }
  };

  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrLimit);
  });

  child.stdin?.on("error", () => {
    // EPIPE after the child exited: nothing to do, the exit path reports the failure.
  });

  child.on("exit", () => {
    // Leftovers (background shells, setsid tool shells) would keep stdout open and leak.
    clearTimeout(interruptTimer);
    endAll();
  });

  child.on("close", (code, sig) => {
    clearTimeout(watchdog);
    options.signal.removeEventListener("abort", onAbort);
    if (pending.trim() !== "") deliver(pending.replace(/\r$/, ""));
    pending = "";
    resolveExit({ reason: ended ?? "exit", code, signal: sig, stderr: stderr.trim(), error: spawnError });
  });

  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  armWatchdog();

  return {
    pid: child.pid,
    writeLine(line: string) {
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || stdin.writableEnded) return;
      stdin.write(`${line}\n`);
    },
    write(chunk: Uint8Array | string) {
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || stdin.writableEnded) return;
      stdin.write(chunk);
    },
    endInput() {
      if (child.stdin && !child.stdin.writableEnded) child.stdin.end();
    },
    pauseWatchdog() {
      watchdogPaused += 1;
      clearTimeout(watchdog);
      let resumed = false;
      return () => {
        if (resumed) return;
        resumed = true;
        watchdogPaused -= 1;
        armWatchdog();
      };
    },
    terminate,
    exited,
  };
}

/**
 * Turn a non-successful exit into the error the run fails with. `label` names the CLI
 * ("claude", "goose") so messages read "goose not found on PATH (GOOSE_BIN=goose)".
 */
export function exitError(exit: ProcessExit, label: string, opts: { bin: string; idleTimeoutMs?: number; cwd?: string }): AgentError {
  switch (exit.reason) {
    case "aborted":
      return new AgentError("cancelled", "Cancelled");
    case "idle":
      return new AgentError(
        "idle_timeout",
        `${label} produced no output for ${Math.round((opts.idleTimeoutMs ?? 0) / 1000)} s; stopped it`,
        stderrDetail(exit),
      );
    case "parser_error":
      return new AgentError("protocol_error", `Could not handle ${label}'s output: ${lastLines(exit.stderr, 1)}`, stderrDetail(exit));
    case "spawn_error": {
      const code = (exit.error as NodeJS.ErrnoException | undefined)?.code;
      // spawn reports a missing working directory as ENOENT too.
      if (code === "ENOENT" && opts.cwd && !existsSync(opts.cwd)) return new AgentError("unavailable", `Workspace ${opts.cwd} does not exist`);
      if (code === "ENOENT") return new AgentError("unavailable", `${label} not found (${opts.bin}); install it or set its path`);
      if (code === "EACCES") return new AgentError("unavailable", `${label} is not executable (${opts.bin})`);
      return new AgentError("unavailable", `Could not start ${label}: ${exit.error?.message ?? "unknown error"}`);
    }
    default: {
      const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
      const tail = lastLines(exit.stderr, 3);
      return new AgentError("backend_error", `${label} failed with ${how}${tail ? `: ${tail}` : ""}`, stderrDetail(exit));
    }
  }
}

function stderrDetail(exit: ProcessExit): Record<string, unknown> | undefined {
  return exit.stderr ? { stderr: exit.stderr.slice(-4000) } : undefined;
}

export function lastLines(text: string, count: number): string {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).slice(-count).join(" | ");
}

/** JSON.parse that returns undefined for non-JSON lines (CLIs sometimes print banners). */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
