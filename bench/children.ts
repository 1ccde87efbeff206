import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export interface Child {
  baseURL: string;
  process: ChildProcess;
  /** Everything it printed, also appended to logFile. */
  output: () => string;
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
 * Run a TypeScript entry point under tsx as a child on a free loopback port; resolves once it
 * prints BENCH_READY. With nodeArgs (e.g. --cpu-prof, which NODE_OPTIONS refuses) the script runs
 * in one node process with tsx as an --import loader instead of under tsx's launcher.
 */
export async function startChild(script: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = [], timeoutMs = 180_000): Promise<Child> {
  const port = await freePort();
  const args = nodeArgs.length ? [...nodeArgs, "--import", "tsx", script] : [path.resolve("node_modules/tsx/dist/cli.mjs"), script];
  const child = spawn(process.execPath, args, {
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
      if (output.includes("BENCH_READY")) {
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
  return { baseURL: `http://127.0.0.1:${port}`, process: child, output: () => output };
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
