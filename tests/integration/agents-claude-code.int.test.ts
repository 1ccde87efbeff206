import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeCodeAgent } from "../../lib/agents/claude-code";
import { eventsOf, FAKE_BIN, isAlive, processGroupOf, readPids, readRecord, runAgent, tempWorkspace, testSkill, waitFor } from "../fakes/run-agent";

const bin = path.join(FAKE_BIN, "claude");
const config = { bin, apiKey: "sk-ant-test", baseUrl: "http://127.0.0.1:9", permissionMode: "default", approvals: true, idleTimeoutSeconds: 30 };

describe("claude-code adapter (fake claude CLI speaking stream-json)", () => {
  beforeAll(() => {
    process.env.CLAWLINK_SERVER_ONLY_SECRET = "must-not-leak";
  });
  afterAll(() => {
    delete process.env.CLAWLINK_SERVER_ONLY_SECRET;
  });

  it("streams output, reports usage and the session id, and passes a clean environment", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Say hello", config });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Hello from fake Claude Code.");
    expect(run.result?.data?.session_id).toBe("5b0e1c2d-0000-4000-8000-000000000001");
    // Deltas arrive one by one; the full assistant block is not output a second time.
    expect(eventsOf(run, "output").map((e) => e.text)).toEqual(["Hello", " from", " fake Claude Code."]);
    expect(eventsOf(run, "message")).toEqual([{ type: "message", role: "assistant", text: "Hello from fake Claude Code." }]);
    expect(eventsOf(run, "usage")[0]).toMatchObject({ inputTokens: 114, outputTokens: 39, costUsd: 0.0021 });
    const record = await readRecord(run.workspace, "claude");
    expect(record.cwd).toBe(run.workspace);
    expect(record.argv).toEqual(expect.arrayContaining(["-p", "--verbose", "--output-format", "stream-json", "--input-format", "stream-json", "--permission-prompt-tool", "stdio"]));
    expect(record.stdin?.[0]).toMatchObject({ type: "user", message: { role: "user", content: "Say hello" } });
    expect(record.env.ANTHROPIC_API_KEY).toBe("sk-ant-test");
    expect(record.env.CLAWLINK_SERVER_ONLY_SECRET).toBeUndefined();
    expect(record.env.AUTH_SECRET).toBeUndefined();
    expect(Object.keys(record.env).sort()).toEqual(
      ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "CLAWLINK_AGENT_RUN", "DISABLE_AUTOUPDATER", "DISABLE_TELEMETRY", "HOME", "PATH"].sort(),
    );
  });

  it("copies skills into .claude/skills for the run and removes them afterwards", async () => {
    const workspace = await tempWorkspace();
    const skillRoot = await tempWorkspace();
    await mkdir(path.join(skillRoot, "write-tests"), { recursive: true });
    await writeFile(path.join(skillRoot, "write-tests", "SKILL.md"), "---\nname: write-tests\ndescription: Write tests\n---\nWrite a failing test first.\n");
    await writeFile(path.join(skillRoot, "write-tests", "template.ts"), "export {};\n");
    const skills = [testSkill(skillRoot, "code-review"), { ...testSkill(skillRoot, "write-tests") }];
    const run = await runAgent(claudeCodeAgent, { prompt: "Review", config, workspace, skills });
    expect(run.result?.output).toContain("Skills: code-review,write-tests.");
    expect(existsSync(path.join(workspace, ".claude"))).toBe(false);
  });

  it("resumes the session named in the context", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Continue", config, context: { resume_session_id: "7a7a7a7a-1111-4222-8333-444455556666" } });
    expect(run.result?.output).toContain("Resumed 7a7a7a7a-1111-4222-8333-444455556666.");
    expect((await readRecord(run.workspace, "claude")).argv).toEqual(expect.arrayContaining(["--resume", "7a7a7a7a-1111-4222-8333-444455556666"]));
  });

  it("routes a tool permission request to askHuman and sends the approval back", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Do it [scenario:approval]", config, answer: () => ({ approved: true, answeredBy: "ada" }) });
    expect(run.error).toBeUndefined();
    expect(run.questions).toHaveLength(1);
    expect(run.questions[0]).toMatchObject({ kind: "approval", tool: { name: "Bash", input: { command: "touch approved.txt && echo approved-run" } } });
    expect(run.result?.output).toBe("Tool said: approved-run");
    expect(eventsOf(run, "tool_call")[0]).toMatchObject({ id: "toolu_fake_1", name: "Bash" });
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ id: "toolu_fake_1", name: "Bash", output: "approved-run", isError: false });
    const stdin = (await readRecord(run.workspace, "claude")).stdin as Array<Record<string, unknown>>;
    expect(stdin[1]).toEqual({
      type: "control_response",
      response: {
        subtype: "success",
        request_id: "88235108-16aa-42e8-b6cf-6a8a643f08a0",
        response: { behavior: "allow", updatedInput: { command: "touch approved.txt && echo approved-run", description: "Print a marker" } },
      },
    });
  });

  it("sends a denial with the reviewer's reason", async () => {
    const run = await runAgent(claudeCodeAgent, {
      prompt: "Do it [scenario:approval]",
      config,
      answer: () => ({ approved: false, text: "Not on this branch", answeredBy: "bob" }),
    });
    expect(run.result?.output).toBe("Tool said: Not on this branch");
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ isError: true, output: "Not on this branch" });
  });

  it("does not ask when approvals are off (the CLI denies on its own)", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "Do it [scenario:approval]", config: { ...config, approvals: false } });
    expect(run.questions).toHaveLength(0);
    expect((await readRecord(run.workspace, "claude")).argv).not.toContain("--permission-prompt-tool");
    expect(run.result?.data?.permission_denials).toEqual([expect.objectContaining({ tool_name: "Bash" })]);
  });

  it("fails with the result's error text when the backend reports is_error", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "hi [scenario:error]", config });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("Claude Code failed: Invalid API key · Fix external API key (HTTP 401)");
  });

  it("fails with the exit code and stderr when the CLI crashes without a result", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "hi [scenario:crash]", config });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toMatch(/^claude failed with exit code 134: FATAL ERROR: Reached heap limit/);
  });

  it("fails when the CLI exits 0 without a result line", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "hi [scenario:no-result]", config });
    expect(run.error?.code).toBe("protocol_error");
  });

  it("stops a CLI that goes silent (idle watchdog)", async () => {
    const started = Date.now();
    const run = await runAgent(claudeCodeAgent, { prompt: "hi [scenario:hang]", config: { ...config, idleTimeoutSeconds: 1 } });
    expect(run.error?.code).toBe("idle_timeout");
    expect(run.error?.message).toBe("claude produced no output for 1 s; stopped it");
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("does not fire the watchdog while a person is deciding", async () => {
    const run = await runAgent(claudeCodeAgent, {
      prompt: "Do it [scenario:approval]",
      config: { ...config, idleTimeoutSeconds: 1 },
      answer: () => new Promise((resolve) => setTimeout(() => resolve({ approved: true, answeredBy: "ada" }), 1600)),
    });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Tool said: approved-run");
  });

  it("cancel kills the whole process group, grandchildren included", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(claudeCodeAgent, { prompt: "hi [scenario:cancel]", config, workspace, controller });
    await waitFor(() => existsSync(path.join(workspace, ".fake-claude-pids.json")));
    const pids = await readPids(workspace, "claude");
    expect(isAlive(pids.pid) && isAlive(pids.grandchild)).toBe(true);
    controller.abort();
    const run = await running;
    expect(run.error?.code).toBe("cancelled");
    await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild), 5000);
  });

  it("cancel while an approved Bash command runs interrupts the turn and ends the tool shell in its own session", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(claudeCodeAgent, { prompt: "Slow [scenario:bash]", config, workspace, controller, answer: () => ({ approved: true, answeredBy: "ada" }) });
    await waitFor(() => existsSync(path.join(workspace, ".fake-claude-pids.json")));
    const pids = await readPids(workspace, "claude");
    // The tool shell left our process group: a group kill alone would miss it.
    expect(isAlive(pids.grandchild)).toBe(true);
    expect(processGroupOf(pids.grandchild)).not.toBe(processGroupOf(pids.pid));
    controller.abort();
    const run = await running;
    expect(run.error?.code).toBe("cancelled");
    const stdin = (await readRecord(workspace, "claude")).stdin as Array<Record<string, unknown>>;
    expect(stdin.find((line) => line.type === "control_request")).toMatchObject({ request: { subtype: "interrupt" } });
    await waitFor(() => !isAlive(pids.grandchild) && !isAlive(pids.pid), 5000);
    // The shell would have written late.txt 3 s after it started: give it that long, then check.
    await new Promise((r) => setTimeout(r, 3500));
    expect(existsSync(path.join(workspace, "late.txt"))).toBe(false);
  });

  it("cancel while waiting for approval stops the CLI", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const run = await runAgent(claudeCodeAgent, {
      prompt: "Do it [scenario:approval]",
      config,
      workspace,
      controller,
      answer: () => {
        setTimeout(() => controller.abort(), 50);
        return "never";
      },
    });
    expect(run.questions).toHaveLength(1);
    expect(run.error?.code).toBe("cancelled");
    const record = await readRecord(workspace, "claude");
    expect(isAlive(record.pid)).toBe(false);
    // The open ask was answered: denied, with interrupt.
    expect(record.stdin).toEqual(expect.arrayContaining([expect.objectContaining({ type: "control_response", response: expect.objectContaining({ response: expect.objectContaining({ behavior: "deny", interrupt: true }) }) })]));
  });

  it("explains a missing binary", async () => {
    const run = await runAgent(claudeCodeAgent, { prompt: "hi", config: { ...config, bin: "/nonexistent/claude" } });
    expect(run.error?.code).toBe("unavailable");
    expect(run.error?.message).toBe("claude not found (/nonexistent/claude); install it or set its path");
    expect(await claudeCodeAgent.probe({ bin: "definitely-not-claude" })).toEqual({
      available: false,
      reason: "definitely-not-claude not found on PATH (set CLAUDE_CODE_BIN to its path)",
    });
    expect(await claudeCodeAgent.probe({ bin })).toEqual({ available: true, version: "2.1.197 (Claude Code)" });
    const noWorkspace = await runAgent(claudeCodeAgent, { prompt: "hi", config, workspace: "/nonexistent/workspace" });
    expect(noWorkspace.error?.message).toBe("Workspace /nonexistent/workspace does not exist");
  });
});
