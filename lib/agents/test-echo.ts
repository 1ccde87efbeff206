import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { git } from "../workspaces/git";
import { testAgentEnabled } from "../env";
import { findAgent, registerAgent } from "./registry";
import type { AgentAdapter, AgentRunInput, AgentRunResult } from "./types";

/**
 * A scriptable agent for tests and e2e runs, registered only when NODE_ENV=test or
 * CLAWLINK_TEST_AGENT=1. It is driven by `context.steps` or by a prompt of `;`-separated commands
 * (see parseSteps); anything else is simply echoed back.
 */
const stepSchema = z.union([
  z.object({ say: z.string() }).strict(),
  z.object({ chunks: z.number().int().min(1).max(10_000), text: z.string().optional(), delay_ms: z.number().int().min(0).max(60_000).optional() }).strict(),
  z.object({ sleep_ms: z.number().int().min(0).max(3_600_000) }).strict(),
  z.object({ ask: z.string(), options: z.array(z.string()).optional() }).strict(),
  z.object({ approve: z.string(), tool: z.string().optional() }).strict(),
  z.object({ progress: z.string(), percent: z.number().min(0).max(100).optional() }).strict(),
  z.object({ tool: z.string(), input: z.unknown().optional(), output: z.unknown().optional() }).strict(),
  z.object({ fail: z.string() }).strict(),
  z.object({ hang: z.literal(true) }).strict(),
  z.object({ result: z.string() }).strict(),
  z.object({ write: z.string().min(1), content: z.string() }).strict(),
  // Bytes that JSON text cannot carry (a NUL, for binary files).
  z.object({ write: z.string().min(1), base64: z.string() }).strict(),
  z.object({ delete: z.string().min(1) }).strict(),
  z.object({ commit: z.string().min(1) }).strict(),
]);
export type TestEchoStep = z.infer<typeof stepSchema>;

const PROMPT_COMMANDS = new Set(["say", "chunks", "sleep", "ask", "approve", "progress", "fail", "hang", "result", "write", "delete", "commit"]);

/** Steps from `context.steps`, else from a command prompt, else: say the prompt back. */
export function parseSteps(prompt: string, context: Record<string, unknown>): TestEchoStep[] {
  if (context.steps !== undefined) return z.array(stepSchema).parse(context.steps);
  const parts = prompt.split(";").map((p) => p.trim()).filter(Boolean);
  const commands = parts.map((part) => {
    const colon = part.indexOf(":");
    return colon < 0 ? { name: part.toLowerCase(), arg: "" } : { name: part.slice(0, colon).trim().toLowerCase(), arg: part.slice(colon + 1).trim() };
  });
  if (commands.length === 0 || !commands.every((c) => PROMPT_COMMANDS.has(c.name))) return [{ say: prompt }];
  return commands.map(({ name, arg }): TestEchoStep => {
    switch (name) {
      case "chunks":
        return { chunks: positiveInt(arg, 3), delay_ms: 10 };
      case "sleep":
        return { sleep_ms: positiveInt(arg, 100) };
      case "ask":
        return { ask: arg || "Continue?" };
      case "approve":
        return { approve: arg || "May I proceed?" };
      case "progress":
        return { progress: arg || "working" };
      case "fail":
        return { fail: arg || "test-echo was told to fail" };
      case "hang":
        return { hang: true };
      case "result":
        return { result: arg };
      case "write": {
        // write:path=content (\n in the content is a newline)
        const eq = arg.indexOf("=");
        return { write: eq < 0 ? arg : arg.slice(0, eq), content: eq < 0 ? "" : arg.slice(eq + 1).replace(/\\n/g, "\n") };
      }
      case "delete":
        return { delete: arg };
      case "commit":
        return { commit: arg || "test-echo commit" };
      default:
        return { say: arg };
    }
  });
}

function positiveInt(text: string, fallback: number): number {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 10_000) : fallback;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A path inside the workspace, or an error (the test agent must not write elsewhere either). */
function inside(workspace: string, file: string): string {
  const target = path.resolve(workspace, file);
  if (!target.startsWith(path.resolve(workspace) + path.sep)) throw new Error(`${file} is outside the workspace`);
  return target;
}

async function run({ prompt, context, signal, emit, askHuman, workspace }: AgentRunInput): Promise<AgentRunResult> {
  const steps = parseSteps(prompt, context);
  const answers: string[] = [];
  let result = `echo: ${prompt}`;
  for (const step of steps) {
    if (signal.aborted) throw signal.reason;
    if ("say" in step) emit({ type: "output", text: `${step.say}\n`, stream: "assistant" });
    else if ("chunks" in step) {
      for (let i = 1; i <= step.chunks; i++) {
        if (i > 1 && step.delay_ms) await sleep(step.delay_ms, signal);
        emit({ type: "output", text: `${step.text ?? "chunk"} ${i}\n`, stream: "stdout" });
      }
    } else if ("sleep_ms" in step) await sleep(step.sleep_ms, signal);
    else if ("ask" in step) {
      const answer = await askHuman({ kind: "question", prompt: step.ask, ...(step.options ? { options: step.options } : {}) });
      answers.push(answer.text ?? "");
      emit({ type: "output", text: `answer: ${answer.text ?? ""}\n`, stream: "assistant" });
    } else if ("approve" in step) {
      const answer = await askHuman({ kind: "approval", prompt: step.approve, tool: { name: step.tool ?? "shell", input: { command: step.approve } }, options: ["approve", "deny"] });
      if (!answer.approved) throw new Error(`Denied by ${answer.answeredBy}${answer.text ? `: ${answer.text}` : ""}`);
      answers.push("approved");
      emit({ type: "output", text: "approved\n", stream: "assistant" });
    } else if ("progress" in step) emit({ type: "progress", message: step.progress, ...(step.percent !== undefined ? { percent: step.percent } : {}) });
    else if ("tool" in step) {
      emit({ type: "tool_call", name: step.tool, input: step.input });
      emit({ type: "tool_result", name: step.tool, output: step.output ?? "ok" });
    } else if ("write" in step) {
      const target = inside(workspace, step.write);
      await mkdir(path.dirname(target), { recursive: true });
      const bytes = "base64" in step ? Buffer.from(step.base64, "base64") : Buffer.from(step.content);
      await writeFile(target, bytes);
      emit({ type: "tool_call", name: "write", input: { file_path: step.write } });
      emit({ type: "tool_result", name: "write", output: `wrote ${bytes.length} bytes` });
    } else if ("delete" in step) {
      await rm(inside(workspace, step.delete), { force: true });
      emit({ type: "tool_call", name: "delete", input: { file_path: step.delete } });
      emit({ type: "tool_result", name: "delete", output: "deleted" });
    } else if ("commit" in step) {
      await commitAll(workspace, step.commit);
      emit({ type: "progress", message: `committed: ${step.commit}` });
    } else if ("fail" in step) throw new Error(step.fail);
    else if ("hang" in step) await sleep(2_147_000_000, signal);
    else result = step.result;
  }
  return { output: result, data: { steps: steps.length, answers } };
}

/** What an agent's own `git commit -a` would do, as the test agent. */
async function commitAll(workspace: string, message: string): Promise<void> {
  const identity = { GIT_AUTHOR_NAME: "test-echo", GIT_AUTHOR_EMAIL: "test-echo@localhost", GIT_COMMITTER_NAME: "test-echo", GIT_COMMITTER_EMAIL: "test-echo@localhost" };
  await git({ dir: workspace }, ["add", "--all"]);
  await git({ dir: workspace }, ["commit", "--quiet", "-m", message], identity);
}

export const testEchoAgent: AgentAdapter = {
  type: "test-echo",
  displayName: "Test echo",
  description: "A scriptable agent for tests: streams output, asks questions, fails or hangs on command",
  backend: "built-in (tests only)",
  // Deterministic (its writes are idempotent), so a run lost with its node can safely be replayed.
  resumable: true,
  // Only scripts that touch files get a repository (most tests never do, and git costs time).
  usesWorkspace: ({ prompt, context }) => {
    try {
      return parseSteps(prompt, context).some((step) => "write" in step || "delete" in step || "commit" in step);
    } catch {
      return false;
    }
  },
  probe: async () => ({ available: true, version: "1" }),
  run,
};

/** The same language, but like real agents never replayed after a node loss (it fails node_lost). */
export const testEchoOnceAgent: AgentAdapter = {
  ...testEchoAgent,
  type: "test-echo-once",
  displayName: "Test echo (not resumable)",
  description: "test-echo that, like a real agent, is never replayed when its node is lost",
  resumable: false,
};

/** Register the test agents when the environment allows it; idempotent. */
export function registerTestAgent(): boolean {
  if (!testAgentEnabled()) return false;
  for (const agent of [testEchoAgent, testEchoOnceAgent]) if (!findAgent(agent.type)) registerAgent(agent);
  return true;
}
