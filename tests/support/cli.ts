import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const BIN = path.resolve(import.meta.dirname, "../../node_modules/.bin/clawlink");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun extends Promise<CliResult> {
  /** Write to the command's stdin (e.g. an answer once its question shows). */
  write(text: string): void;
  /** Resolves when stderr (+ stdout) has printed something matching; rejects with the output so far if it has not within `timeoutMs` or the command ended. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** A fresh config folder: each test signs in on its own. */
export const freshConfigDir = () => mkdtempSync(path.join(tmpdir(), "clawlink-cli-"));

/**
 * Run the real `clawlink` command (node_modules/.bin/clawlink, as `npx clawlink` does) as a
 * child process. Its environment is only what the test gives plus PATH/HOME, so a developer's
 * own CLAWLINK_* settings never leak in.
 */
export function clawlink(args: string[], options: CliOptions = {}): CliRun {
  return run(BIN, args, options);
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The same, on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it: TTY
 * prompts, hidden input, the spinner. Output arrives with terminal escapes; type with `write`.
 */
export function clawlinkInTerminal(args: string[], options: CliOptions = {}): CliRun {
  return run("script", ["-qfec", `stty cols 120 rows 40; ${[BIN, ...args].map(quote).join(" ")}`, "/dev/null"], { ...options, env: { TERM: "xterm-256color", ...options.env } });
}

interface CliOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

function run(file: string, args: string[], options: CliOptions): CliRun {
  const child = spawn(file, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...options.env } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers: { pattern: RegExp; resolve: () => void; reject: (error: Error) => void }[] = [];
  const check = () => {
    for (const w of [...watchers]) if (w.pattern.test(stderr + stdout)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  };
  const missing = (pattern: RegExp, why: string) => new Error(`${why} before printing ${pattern}.\nstdout: ${stdout}\nstderr: ${stderr}`);
  child.stdout.on("data", (chunk: Buffer) => ((stdout += chunk.toString()), check()));
  child.stderr.on("data", (chunk: Buffer) => ((stderr += chunk.toString()), check()));
  if (options.input !== undefined) child.stdin.end(options.input);
  const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timeout);
      for (const w of watchers.splice(0)) w.reject(missing(w.pattern, `clawlink exited with ${code}`));
      resolve({ code, stdout, stderr });
    });
  });
  return Object.assign(done, {
    write: (text: string) => void child.stdin.write(text),
    waitFor: (pattern: RegExp, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(missing(pattern, `${timeoutMs} ms passed`)), timeoutMs);
        watchers.push({ pattern, resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
        check();
      }),
    kill: (signal: NodeJS.Signals = "SIGTERM") => void child.kill(signal),
  });
}
