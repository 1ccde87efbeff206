import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { RequestError, type CreateTerminalRequest, type TerminalExitStatus, type TerminalOutputResponse } from "@agentclientprotocol/sdk";
import { childEnv } from "../process";
import { processesWithMarker, RUN_MARKER_ENV, signalAll } from "../process-tree";
import { confinedPath } from "./confine";

const DEFAULT_OUTPUT_LIMIT = 1024 * 1024;
const MAX_TERMINALS = 16;
/** Variables an agent may not set for a command: they would change what runs or how. */
const FORBIDDEN_ENV = /^(PATH|HOME|LD_.*|DYLD_.*|NODE_OPTIONS|BASH_ENV|ENV|SHELLOPTS|IFS|CLAWLINK_.*)$/i;

interface Terminal {
  child: ChildProcess;
  marker: string;
  output: string;
  truncated: boolean;
  limit: number;
  exit: Promise<TerminalExitStatus>;
  exitStatus?: TerminalExitStatus;
}

/**
 * ACP's terminal/* methods: commands the agent asks the client to run, in the task's
 * workspace, with a clean environment. They are our children, not the agent's, so they are
 * ended here on release, on cancel and when the run ends.
 */
export class Terminals {
  private readonly terminals = new Map<string, Terminal>();

  constructor(private readonly workspace: string) {}

  async create(params: CreateTerminalRequest): Promise<{ terminalId: string }> {
    if (this.terminals.size >= MAX_TERMINALS) throw RequestError.invalidRequest(undefined, `At most ${MAX_TERMINALS} terminals at once`);
    const cwd = await confinedPath(this.workspace, params.cwd ?? this.workspace);
    const extra: Record<string, string> = {};
    for (const { name, value } of params.env ?? []) {
      if (FORBIDDEN_ENV.test(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw RequestError.invalidParams(undefined, `environment variable ${name} may not be set`);
      extra[name] = value;
    }
    const marker = randomUUID();
    const child = spawn(params.command, params.args ?? [], { cwd, env: childEnv({ ...extra, [RUN_MARKER_ENV]: marker }) as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const terminal: Terminal = {
      child,
      marker,
      output: "",
      truncated: false,
      limit: Math.max(1024, Math.min(params.outputByteLimit ?? DEFAULT_OUTPUT_LIMIT, 16 * DEFAULT_OUTPUT_LIMIT)),
      exit: new Promise((resolve) => {
        child.once("error", (error) => {
          terminal.output += `${error.message}\n`;
          resolve((terminal.exitStatus = { exitCode: 127, signal: null }));
        });
        child.once("close", (code, signal) => resolve((terminal.exitStatus = { exitCode: code, signal })));
      }),
    };
    const append = (chunk: Buffer) => {
      terminal.output += chunk.toString("utf8");
      // Keep the newest output within the limit, cut at a character boundary.
      if (Buffer.byteLength(terminal.output) > terminal.limit) {
        terminal.truncated = true;
        terminal.output = Buffer.from(terminal.output).subarray(-terminal.limit).toString("utf8").replace(/^\uFFFD+/, "");
      }
    };
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
    const terminalId = `term-${randomUUID()}`;
    this.terminals.set(terminalId, terminal);
    return { terminalId };
  }

  output(terminalId: string): TerminalOutputResponse {
    const t = this.get(terminalId);
    return { output: t.output, truncated: t.truncated, ...(t.exitStatus ? { exitStatus: t.exitStatus } : {}) };
  }

  async waitForExit(terminalId: string): Promise<TerminalExitStatus> {
    return this.get(terminalId).exit;
  }

  kill(terminalId: string): void {
    end(this.get(terminalId));
  }

  release(terminalId: string): void {
    const t = this.get(terminalId);
    end(t);
    this.terminals.delete(terminalId);
  }

  /** End every command still running (cancel, end of the run). */
  closeAll(): void {
    for (const t of this.terminals.values()) end(t);
    this.terminals.clear();
  }

  private get(terminalId: string): Terminal {
    const t = this.terminals.get(terminalId);
    if (!t) throw RequestError.invalidParams(undefined, `No terminal ${terminalId}`);
    return t;
  }
}

function end(t: Terminal): void {
  if (t.exitStatus) return;
  const pids = [...processesWithMarker(t.marker)];
  try {
    if (t.child.pid) process.kill(-t.child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  signalAll(pids, "SIGKILL");
}
