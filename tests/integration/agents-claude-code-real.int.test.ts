import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeCodeAgent } from "../../lib/agents/claude-code";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-server";
import { eventsOf, isAlive, runAgent, tempWorkspace, waitFor } from "../fakes/run-agent";

/**
 * The real Claude Code CLI (devDependency @anthropic-ai/claude-code, pinned to 2.1.197 whose
 * tool shells run in their own session) driven by our adapter, against the loopback fake
 * Anthropic API: no network, no stand-in for the CLI.
 */
function realClaudeBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve(`@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`);
  return path.join(path.dirname(pkg), "claude");
}

/** Pids whose command line contains `needle` and whose working directory is `cwd`. */
function processesRunning(needle: string, cwd: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(needle) && readlinkSafe(`/proc/${name}/cwd`) === cwd) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

describe("claude-code adapter with the real Claude Code CLI (fake model)", () => {
  let fake: FakeAnthropic;
  let config: Record<string, string | number | boolean>;
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    // The CLI keeps its state under $HOME/.claude: a scratch home keeps the tests hermetic.
    process.env.HOME = await mkdtemp(path.join(tmpdir(), "clawlink-claude-home-"));
    config = { bin: realClaudeBinary(), apiKey: "sk-ant-fake", baseUrl: fake.url, permissionMode: "default", approvals: true, idleTimeoutSeconds: 60 };
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await fake?.close();
  });

  it("runs a prompt and reports the CLI's session", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Say hello", config });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Hello from the fake model.");
    expect(run.result?.data?.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.requests.some((r) => r.path === "/v1/messages" && r.body?.stream === true)).toBe(true);
  });

  it("asks a person before Bash runs and runs it once approved", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Touch it [scenario:tool]", config, answer: () => ({ approved: true, answeredBy: "ada" }) });
    expect(run.error).toBeUndefined();
    expect(run.questions).toHaveLength(1);
    expect(run.questions[0]).toMatchObject({ kind: "approval", tool: { name: "Bash", input: { command: "touch approved.txt && echo approved-run" } } });
    expect(existsSync(path.join(run.workspace, "approved.txt"))).toBe(true);
    expect(run.result?.output).toContain("approved-run");
  });

  it("does not run a denied command", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Touch it [scenario:tool]", config, answer: () => ({ approved: false, text: "not today", answeredBy: "bob" }) });
    expect(run.questions).toHaveLength(1);
    expect(existsSync(path.join(run.workspace, "approved.txt"))).toBe(false);
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ isError: true });
  });

  it("cancel during an approved Bash command ends the command too", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(claudeCodeAgent, { prompt: "Slow [scenario:slow-tool]", config, workspace, controller, answer: () => ({ approved: true, answeredBy: "ada" }) });
    await waitFor(() => processesRunning("sleep 30", workspace).length > 0, 20_000);
    const shells = processesRunning("sleep 30", workspace);
    controller.abort();
    const run = await running;
    expect(run.error?.code).toBe("cancelled");
    await waitFor(() => shells.every((pid) => !isAlive(pid)), 10_000);
    expect(processesRunning("sleep 30", workspace)).toEqual([]);
    expect(existsSync(path.join(workspace, "late.txt"))).toBe(false);
  });
});
