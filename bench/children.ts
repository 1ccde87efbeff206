import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { compileEntry } from "../scripts/lib/compile.mjs";
import { SERVER_NODE_FLAGS } from "../scripts/lib/node-flags.mjs";

export interface Child {
  baseURL: string;
  process: ChildProcess;
  /** Everything it printed, also appended to logFile. */
  output: () => string;
  /** The process that serves (tsx's launcher runs a script in a child of its own; a compiled one is the child itself). */
  servingPid: () => number;
}

/** Resident set size of a process in bytes (Linux /proc), or NaN once it is gone. */
export function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * The production server runs compiled, as `npm start` runs it (scripts/lib/compile.mjs): one plain
 * node process, no tsx, with npm start's node flags (scripts/lib/node-flags.mjs). The bench's other children (baseline, handler-only, writers) run under tsx.
 */
const COMPILED = new Set(["bench/server.ts", "scripts/worker.ts"]);

/**
 * Run a TypeScript entry point as a child on a free loopback port; resolves once it prints `ready`
 * (BENCH_READY for the bench's own servers). The production server is compiled first and run by
 * node itself (with nodeArgs, e.g. --cpu-prof); any other script runs under tsx — with nodeArgs
 * (which NODE_OPTIONS refuses) in one node process with tsx as an --import loader instead of under tsx's launcher.
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: string[] = [],
  { timeoutMs = 180_000, ready = "BENCH_READY", args = [] as string[] } = {},
): Promise<Child> {
  const port = await freePort();
  const compiled = COMPILED.has(script) ? await compileEntry(script) : null;
  const launch = compiled ? [...SERVER_NODE_FLAGS, ...nodeArgs, compiled] : nodeArgs.length ? [...nodeArgs, "--import", "tsx", script] : [path.resolve("node_modules/tsx/dist/cli.mjs"), script];
  const argv = [...launch, ...args];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    appendFileSync(logFile, chunk);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(check);
      reject(new Error(`${script} did not start within ${timeoutMs / 1000} s; see ${logFile}`));
    }, timeoutMs);
    const check = setInterval(() => {
      if (output.includes(ready)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output.slice(-4000)}`));
    });
  });
  child.removeAllListeners("exit");
  // Scripts that know it print `pid=<n>` on their BENCH_READY line.
  const servingPid = () => Number(/BENCH_READY\b[^\n]*\bpid=(\d+)/.exec(output)?.[1] ?? child.pid);
  return { baseURL: `http://127.0.0.1:${port}`, process: child, output: () => output, servingPid };
}

/** SIGTERM, then SIGKILL after 15 s; only ever this child's own pid. */
export async function stopChild(child: Child | undefined): Promise<void> {
  const proc = child?.process;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
    }, 15_000);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}
