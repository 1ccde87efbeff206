import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genericAcpAgent } from "../../lib/agents/acp/agents";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-server";
import { eventsOf, runAgent } from "../fakes/run-agent";

/**
 * A real ACP agent from npm — @zed-industries/claude-agent-acp (the Claude Agent SDK behind
 * ACP) — driven by our generic `acp` adapter, offline against the loopback fake Anthropic API.
 */
function claudeAgentAcpBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@zed-industries/claude-agent-acp/package.json");
  return path.join(path.dirname(pkg), "dist", "index.js");
}

describe("ACP adapter with a real ACP agent (claude-agent-acp, fake model)", () => {
  let fake: FakeAnthropic;
  let config: Record<string, string | number | boolean>;
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    process.env.HOME = await mkdtemp(path.join(tmpdir(), "clawlink-acp-home-"));
    config = {
      bin: claudeAgentAcpBin(),
      envVars: [`ANTHROPIC_BASE_URL=${fake.url}`, "DISABLE_TELEMETRY=1", "DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"].join("\n"),
      apiKey: "sk-ant-fake",
      apiKeyEnv: "ANTHROPIC_API_KEY",
      idleTimeoutSeconds: 120,
    };
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await fake?.close();
  });

  it("answers a prompt", async () => {
    const run = await runAgent(genericAcpAgent, { prompt: "Say hello", config });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toContain("Hello from the fake model.");
    expect(fake.requests.some((r) => r.path === "/v1/messages")).toBe(true);
  });

  it("asks before running Bash and runs it when allowed", async () => {
    const run = await runAgent(genericAcpAgent, { prompt: "Touch it [scenario:tool]", config, answer: () => ({ approved: true, answeredBy: "ada" }) });
    expect(run.error).toBeUndefined();
    expect(run.questions).toHaveLength(1);
    expect(run.questions[0].kind).toBe("approval");
    expect(run.questions[0].options?.length).toBeGreaterThan(1);
    expect(existsSync(path.join(run.workspace, "approved.txt"))).toBe(true);
    expect(eventsOf(run, "tool_call").length).toBeGreaterThan(0);
  });

  it("does not run a rejected command", async () => {
    const run = await runAgent(genericAcpAgent, { prompt: "Touch it [scenario:tool]", config, answer: () => ({ approved: false, answeredBy: "bob" }) });
    expect(run.questions).toHaveLength(1);
    expect(existsSync(path.join(run.workspace, "approved.txt"))).toBe(false);
  });

  it("cancel while it waits for permission ends the run", async () => {
    const controller = new AbortController();
    const run = await runAgent(genericAcpAgent, {
      prompt: "Slow [scenario:slow-tool]",
      config,
      controller,
      answer: () => {
        setTimeout(() => controller.abort(), 100);
        return "never";
      },
    });
    expect(run.questions).toHaveLength(1);
    expect(run.error?.code).toBe("cancelled");
    expect(existsSync(path.join(run.workspace, "late.txt"))).toBe(false);
    void readFileSync;
  });
});
