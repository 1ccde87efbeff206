import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gooseAgent } from "../../lib/agents/goose";
import { eventsOf, FAKE_BIN, isAlive, outputText, readPids, readRecord, runAgent, tempWorkspace, testSkill, waitFor } from "../fakes/run-agent";

const bin = path.join(FAKE_BIN, "goose");
const config = { bin, provider: "anthropic", model: "claude-sonnet-4-5", apiKey: "sk-goose", idleTimeoutSeconds: 30 };

describe("goose adapter (fake goose speaking stream-json)", () => {
  it("streams message fragments, tool calls, notifications and usage", async () => {
    const run = await runAgent(gooseAgent, { prompt: "Fix the auth test", config });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Fixed the expiry check in src/auth.ts.");
    expect(outputText(run)).toBe("I'll look at the failing test.Fixed the expiry check in src/auth.ts.");
    // Fragments sharing one message id become one message.
    expect(eventsOf(run, "message").map((m) => m.text)).toEqual(["I'll look at the failing test.", "Fixed the expiry check in src/auth.ts."]);
    expect(eventsOf(run, "tool_call")).toEqual([{ type: "tool_call", id: "call_a1", name: "developer__shell", input: { command: "npm test -- auth" } }]);
    expect(eventsOf(run, "tool_result")).toEqual([{ type: "tool_result", id: "call_a1", output: "1 failing: token expiry", isError: false }]);
    expect(eventsOf(run, "progress").map((p) => p.message)).toEqual(["developer: running npm test -- auth", "developer: tests"]);
    expect(eventsOf(run, "progress")[1].percent).toBe(50);
    expect(eventsOf(run, "usage")[0]).toMatchObject({ inputTokens: 17010, outputTokens: 1412 });
    const record = await readRecord(run.workspace, "goose");
    expect(record.argv.slice(0, 6)).toEqual(["run", "-t", "Fix the auth test", "--output-format", "stream-json", "--no-session"]);
    expect(record.env).toMatchObject({ GOOSE_MODE: "auto", GOOSE_PROVIDER: "anthropic", GOOSE_MODEL: "claude-sonnet-4-5", ANTHROPIC_API_KEY: "sk-goose" });
    expect(Object.keys(record.env).sort()).toEqual(["ANTHROPIC_API_KEY", "GOOSE_MODE", "GOOSE_MODEL", "GOOSE_PROVIDER", "HOME", "PATH"]);
  });

  it("gives skills as project skills and as its system prompt, then cleans up", async () => {
    const workspace = await tempWorkspace();
    const run = await runAgent(gooseAgent, { prompt: "Review", config, workspace, skills: [testSkill(workspace)] });
    expect(run.result?.output).toMatch(/Skills: code-review\. System: \d+ chars\./);
    expect((await readRecord(workspace, "goose")).argv.join(" ")).toContain("Check every changed line for off-by-one errors.");
    expect(existsSync(path.join(workspace, ".agents"))).toBe(false);
  });

  it("keeps a prompt that starts with a dash from becoming a flag", async () => {
    const run = await runAgent(gooseAgent, { prompt: "--help me", config });
    expect((await readRecord(run.workspace, "goose")).argv[2]).toBe(" --help me");
  });

  it("fails on an error event (new goose: error, non-zero exit)", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:error]", config });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("goose: Request failed: 401 invalid x-api-key");
  });

  it("fails on an error event even when complete follows and the exit is 0 (old goose)", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:error-old]", config });
    expect(run.error?.message).toBe("goose: Request failed: 429 rate limited");
  });

  it("reports stderr when goose fails before streaming", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:setup-error]", config });
    expect(run.error?.message).toBe("goose failed with exit code 1: Error: No provider configured. Run 'goose configure' first");
  });

  it("stops a silent goose (watchdog)", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:hang]", config: { ...config, idleTimeoutSeconds: 1 } });
    expect(run.error?.code).toBe("idle_timeout");
    expect(outputText(run)).toBe("Thinking...");
  });

  it("cancel kills goose and its children", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(gooseAgent, { prompt: "[scenario:cancel]", config, workspace, controller });
    await waitFor(() => existsSync(path.join(workspace, ".fake-goose-pids.json")));
    const pids = await readPids(workspace, "goose");
    controller.abort();
    expect((await running).error?.code).toBe("cancelled");
    await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild));
    expect(() => process.kill(pids.grandchild, 0)).toThrow();
  });

  it("probe names the missing binary and the setting", async () => {
    expect(await gooseAgent.probe({ bin: "goose-not-installed" })).toEqual({ available: false, reason: "goose-not-installed not found on PATH (set GOOSE_BIN to its path)" });
    expect(await gooseAgent.probe({ bin })).toEqual({ available: true, version: "1.53.0" });
  });
});
