import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AgentAdapter, AgentEvent, AgentRunResult, AgentSettings, HumanAnswer, HumanQuestion, SkillForAgent } from "../../lib/agents/types";

export const FAKE_BIN = path.resolve(import.meta.dirname, "bin");

export interface AgentRun {
  events: AgentEvent[];
  questions: HumanQuestion[];
  result?: AgentRunResult;
  error?: Error & { code?: string; detail?: unknown };
  workspace: string;
}

export async function tempWorkspace(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "clawlink-agent-"));
}

/**
 * Run a real adapter with a real AbortController, an event collector and an askHuman
 * that answers as told (or never, until the signal aborts, like the engine's WAITING state).
 */
export async function runAgent(
  adapter: AgentAdapter,
  opts: {
    prompt: string;
    config: AgentSettings;
    workspace?: string;
    skills?: SkillForAgent[];
    context?: Record<string, unknown>;
    answer?: (q: HumanQuestion) => HumanAnswer | Promise<HumanAnswer> | "never";
    controller?: AbortController;
  },
): Promise<AgentRun> {
  const workspace = opts.workspace ?? (await tempWorkspace());
  const controller = opts.controller ?? new AbortController();
  const run: AgentRun = { events: [], questions: [], workspace };
  const askHuman = (q: HumanQuestion) => {
    run.questions.push(q);
    const given = opts.answer?.(q) ?? "never";
    if (given !== "never") return Promise.resolve(given);
    return new Promise<HumanAnswer>((_, reject) => {
      const fail = () => reject(new Error("cancelled while waiting"));
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener("abort", fail, { once: true });
    });
  };
  try {
    run.result = await adapter.run({
      task: { id: "00000000-0000-4000-8000-000000000001", attempt: 1, userId: "00000000-0000-4000-8000-000000000002", projectId: null, agentType: adapter.type },
      prompt: opts.prompt,
      context: opts.context ?? {},
      workspace,
      skills: opts.skills ?? [],
      signal: controller.signal,
      emit: (e) => run.events.push(e),
      askHuman,
      config: opts.config,
    });
  } catch (error) {
    run.error = error as AgentRun["error"];
  }
  return run;
}

export const outputText = (run: AgentRun) => run.events.flatMap((e) => (e.type === "output" ? [e.text] : [])).join("");
export const eventsOf = <T extends AgentEvent["type"]>(run: AgentRun, type: T) => run.events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);

export async function readRecord(workspace: string, name: string): Promise<{ argv: string[]; env: Record<string, string>; cwd: string; pid: number; stdin?: unknown[] }> {
  return JSON.parse(await readFile(path.join(workspace, `.fake-${name}.json`), "utf8"));
}

export async function readPids(workspace: string, name: string): Promise<{ pid: number; grandchild: number }> {
  return JSON.parse(await readFile(path.join(workspace, `.fake-${name}-pids.json`), "utf8"));
}

/** Running, and not a zombie (a killed orphan can linger as one until init reaps it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

/** The process group of a live pid, from /proc (field 5 of stat). */
export function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

/** Resolve once `check` holds, polling; rejects after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function testSkill(root: string, name = "code-review"): SkillForAgent {
  return { name, description: "Review code for bugs", instructions: "Check every changed line for off-by-one errors.", path: path.join(root, name), allowedTools: ["Read"] };
}

/** A loopback port nothing listens on: bind, note the port, close. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
