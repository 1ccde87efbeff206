import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A child process in its own process group (tsx runs node as a grandchild: signals must reach both). */
export interface NodeProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  readonly output: string;
  /** Resolves with the exit code (or signal) when it ends. */
  exited: Promise<number | string>;
  signal(signal: NodeJS.Signals): void;
  alive(): boolean;
}

export async function spawnNodeProcess(script: string, args: string[], options: { env?: Record<string, string>; ready: string; timeoutMs?: number }): Promise<NodeProcess> {
  // A .mjs launcher (what npm start / npm run worker run) on plain node; TypeScript under tsx.
  const [command, argv] = script.endsWith(".mjs") ? [process.execPath, [script, ...args]] : [path.resolve("node_modules/.bin/tsx"), [script, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: mkdtempSync(path.join(tmpdir(), "clawlink-node-")), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve((exitedWith = code ?? signal ?? "unknown"))));
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${output}`)), options.timeoutMs ?? 30_000);
    const check = () => {
      if (output.includes(options.ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`${script} exited early (${code}): ${output}`)));
  });
  return {
    child,
    get output() {
      return output;
    },
    exited,
    signal(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    alive: () => exitedWith === undefined,
  };
}

/** `npm run worker` (its compiled launcher, as npm runs it) with test timings, against `url`. */
export function spawnWorkerNode(url: string, nodeId: string, options: { leaseMs: number; concurrency?: number; drainMs?: number; appName?: string }): Promise<NodeProcess> {
  const args = ["--node-id", nodeId, "--concurrency", String(options.concurrency ?? 4), "--lease-ms", String(options.leaseMs), "--heartbeat-ms", "250", "--sweep-ms", "250", "--poll-ms", "500"];
  if (options.drainMs !== undefined) args.push("--drain-ms", String(options.drainMs));
  return spawnNodeProcess("scripts/worker.mjs", args, { env: { DATABASE_URL: url, ...(options.appName ? { PGAPPNAME: options.appName } : {}) }, ready: "claiming up to" });
}
