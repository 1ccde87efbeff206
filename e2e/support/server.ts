import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import type { Role } from "../../lib/db/schema";
import { SERVER_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";
import { seedDatabase, type SeededUser } from "./seed";

/** Where global setup leaves the server's address and users; per run, so parallel runs don't mix. */
const stateFile = () => process.env.E2E_STATE_FILE ?? path.resolve("test-results", `e2e-server-${process.pid}.json`);

export interface E2eServerState {
  baseURL: string;
  /** Printed only when the database has no users. */
  setupToken: string | null;
  dataDir: string;
  databaseUrl: string | null;
  pid: number;
  users: Record<Role, SeededUser>;
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
 * Start the production server exactly as `npm start` does (its node flags included), on a free port with a fresh
 * database, and capture the one-time setup link it prints.
 */
export async function startE2eServer(opts: { databaseUrl: string | null; name: string; seed: boolean }): Promise<{ state: E2eServerState; child: ChildProcess }> {
  const port = await freePort();
  const dataDir = path.resolve(".test-data", `e2e-${opts.name}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const users = opts.seed
    ? await seedDatabase(opts.databaseUrl ? { url: opts.databaseUrl } : { dataDir: path.join(dataDir, "pglite") })
    : ({} as Record<Role, SeededUser>);
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, "scripts/start.mjs"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: opts.databaseUrl ?? "",
      CLAWLINK_TEST_AGENT: "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  let output = "";
  const logFile = path.join(dataDir, "server.log");
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    writeFileSync(logFile, output);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const baseURL = `http://127.0.0.1:${port}`;
  const setupToken = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Server did not start within 240 s. Output:\n${output}`)), 240_000);
    child.once("exit", (code) => reject(new Error(`Server exited with ${code}. Output:\n${output}`)));
    const check = setInterval(() => {
      const match = output.match(/setup\?token=(\S+)/);
      if (output.includes("Portal ready") && (match || output.includes("Sign in at"))) {
        clearInterval(check);
        clearTimeout(timer);
        resolve(match ? match[1]! : null);
      }
    }, 100);
  });
  const state: E2eServerState = { baseURL, setupToken, dataDir, databaseUrl: opts.databaseUrl, pid: child.pid!, users };
  return { state, child };
}

export function saveE2eState(state: E2eServerState): void {
  const file = stateFile();
  // Workers are started after global setup and inherit this.
  process.env.E2E_STATE_FILE = file;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

/** Stop the server and remove its data folder (kept when KEEP_E2E_DATA=1, for debugging). */
export async function stopE2eServer(child: ChildProcess, dataDir?: string): Promise<void> {
  await terminate(child);
  if (dataDir && !process.env.KEEP_E2E_DATA) rmSync(dataDir, { recursive: true, force: true });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

export function readE2eState(): E2eServerState {
  const file = process.env.E2E_STATE_FILE;
  if (!file || !existsSync(file)) throw new Error("e2e server state missing: run through `npx playwright test`");
  return JSON.parse(readFileSync(file, "utf8")) as E2eServerState;
}
