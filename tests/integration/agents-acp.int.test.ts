import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { auggieAgent, augmentLoginProblem, genericAcpAgent, geminiAgent, gooseAgent } from "../../lib/agents/acp/agents";
import { chooseOption } from "../../lib/agents/acp/run";
import { eventsOf, FAKE_BIN, isAlive, outputText, readPids, runAgent, tempWorkspace, waitFor } from "../fakes/run-agent";

const bin = path.join(FAKE_BIN, "acp-agent.mjs");
const goose = { bin, provider: "anthropic", apiKey: "sk-goose", idleTimeoutSeconds: 30 };

function fakeLog(workspace: string): { pid: number; argv: string[]; env: Record<string, string>; calls: Array<{ method: string; params?: Record<string, unknown>; outcome?: Record<string, unknown> }> } {
  return JSON.parse(readFileSync(path.join(workspace, ".fake-acp.json"), "utf8"));
}

describe("ACP adapter (fake agent on the official SDK)", () => {
  it("initializes, opens a session in the workspace, streams the turn and lets the agent edit through fs/*", async () => {
    const run = await runAgent(gooseAgent, { prompt: "Rename the helper", config: goose });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Renaming the helper.");
    expect(outputText(run)).toBe("Renaming the helper.");
    expect(readFileSync(path.join(run.workspace, "notes", "todo.md"), "utf8")).toBe("- ship it\n");
    expect(run.result?.data?.reported_files).toEqual([path.join(run.workspace, "notes", "todo.md")]);
    expect(eventsOf(run, "tool_call")[0]).toMatchObject({ id: "tc_w", name: "Write notes/todo.md", input: { kind: "edit", locations: [path.join(run.workspace, "notes", "todo.md")] } });
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ id: "tc_w", isError: false });
    expect(eventsOf(run, "progress").map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^Plan: /)]));
    const log = fakeLog(run.workspace);
    expect(log.argv).toEqual(["acp"]);
    expect(log.env).toMatchObject({ GOOSE_PROVIDER: "anthropic", ANTHROPIC_API_KEY: "sk-goose" });
    expect(log.calls.map((c) => c.method)).toEqual(["initialize", "session/new", "session/prompt"]);
    expect(log.calls[0].params).toMatchObject({ protocolVersion: 1, clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true } });
    expect(log.calls[1].params).toEqual({ cwd: run.workspace, mcpServers: [] });
    // The turn is over: the agent process is not left waiting for another prompt.
    await waitFor(() => !isAlive(fakeLog(run.workspace).pid));
  });

  it("turns a permission request into an approval with the offered options and sends the chosen one", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:permission]", config: goose, answer: () => ({ approved: true, text: "Always allow", answeredBy: "ada" }) });
    expect(run.error).toBeUndefined();
    expect(run.questions).toEqual([
      expect.objectContaining({ kind: "approval", prompt: "Goose wants to Run echo hello", tool: { name: "Run echo hello", input: { kind: "execute", raw_input: { command: "echo hello" }, locations: [] } }, options: ["Allow", "Always allow", "Deny", "Never allow"] }),
    ]);
    // The approved command ran in a client terminal, in the workspace.
    expect(run.result?.output).toBe(`allowed: allow_always, exit 0, output hello | ${run.workspace}`);
    expect(fakeLog(run.workspace).calls.find((c) => c.method === "permission-answer")?.outcome).toEqual({ outcome: "selected", optionId: "allow_always" });
  });

  it("sends a rejection", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:permission]", config: goose, answer: () => ({ approved: false, answeredBy: "bob" }) });
    expect(run.result?.output).toBe("rejected: reject_once");
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ id: "tc_1", isError: true, output: "rejected by the user" });
  });

  it("cancel while waiting answers the request `cancelled`, sends session/cancel and ends the process tree", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(gooseAgent, { prompt: "[scenario:cancel-wait]", config: goose, workspace, controller });
    await waitFor(() => existsSync(path.join(workspace, ".fake-acp-pids.json")));
    const pids = await readPids(workspace, "acp");
    await waitFor(() => fakeLog(workspace).calls.length >= 3);
    controller.abort();
    const run = await running;
    expect(run.questions).toHaveLength(1);
    expect(run.error?.code).toBe("cancelled");
    const log = fakeLog(workspace);
    expect(log.calls.find((c) => c.method === "permission-answer")?.outcome).toEqual({ outcome: "cancelled" });
    expect(log.calls.map((c) => c.method)).toContain("session/cancel");
    await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild));
  });

  it("ends an agent that ignores session/cancel", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(gooseAgent, { prompt: "[scenario:hang]", config: goose, workspace, controller });
    await waitFor(() => existsSync(path.join(workspace, ".fake-acp.json")) && fakeLog(workspace).calls.length >= 3);
    controller.abort();
    const run = await running;
    expect(run.error?.code).toBe("cancelled");
    await waitFor(() => !isAlive(fakeLog(workspace).pid));
  });

  it("fails with the stop reason, the JSON-RPC error or the crash, in words", async () => {
    const refusal = await runAgent(gooseAgent, { prompt: "[scenario:refusal]", config: goose });
    expect(refusal.error?.message).toBe("Goose refused to continue");
    const error = await runAgent(gooseAgent, { prompt: "[scenario:error]", config: goose });
    expect(error.error?.code).toBe("backend_error");
    expect(error.error?.message).toMatch(/^Goose failed: .*model overloaded/);
    const crash = await runAgent(gooseAgent, { prompt: "[scenario:crash]", config: goose });
    expect(crash.error?.code).toBe("backend_error");
    expect(crash.error?.message).toBe("Goose failed with exit code 3: panic: model provider connection reset");
  });

  it("stops an agent that goes silent (idle watchdog)", async () => {
    const run = await runAgent(gooseAgent, { prompt: "[scenario:hang]", config: { ...goose, idleTimeoutSeconds: 1 } });
    expect(run.error?.code).toBe("idle_timeout");
  });

  it("keeps fs/* and terminal/* inside the workspace, symbolic links included", async () => {
    const workspace = await tempWorkspace();
    const { symlink } = await import("node:fs/promises");
    await symlink("/etc", path.join(workspace, "etc-link"));
    const run = await runAgent(gooseAgent, { prompt: "[scenario:escape]", config: goose, workspace });
    const lines = (run.result?.output ?? "").split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^refused: .*outside the task's workspace/);
    expect(existsSync(path.join(workspace, "..", "outside.txt"))).toBe(false);
  });

  it("passes a prompt far over 128 KiB (no argv limit) and resumes a session it names", async () => {
    const big = `${"x".repeat(300 * 1024)} [scenario:echo-size]`;
    const run = await runAgent(gooseAgent, { prompt: big, config: goose });
    expect(run.result?.output).toBe(`received ${Buffer.byteLength(big)} bytes`);
    const resumed = await runAgent(gooseAgent, { prompt: "again", config: goose, context: { resume_session_id: "sess-earlier" } });
    expect(resumed.error).toBeUndefined();
    expect(fakeLog(resumed.workspace).calls.map((c) => c.method)).toEqual(["initialize", "session/load", "session/prompt"]);
  });

  it("says when the agent needs a login", async () => {
    const run = await runAgent(genericAcpAgent, { prompt: "hi", config: { bin, envVars: "FAKE_ACP_AUTH=1\nPATH=/evil", idleTimeoutSeconds: 30 } });
    expect(run.error?.code).toBe("not_configured");
    expect(run.error?.message).toBe("ACP agent needs a login: Authentication required: Run `fake login` first");
    expect(fakeLog(run.workspace).env.PATH).not.toBe("/evil");
  });

  it("probes say precisely why an agent can't run", async () => {
    const home = await tempWorkspace();
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(await genericAcpAgent.probe({})).toEqual({ available: false, reason: "No command configured: set ACP_AGENT_BIN or the agent's Executable setting" });
      expect(await gooseAgent.probe({ bin: "goose-missing" })).toEqual({ available: false, reason: "goose-missing not found on PATH (set GOOSE_BIN to its path)" });
      expect(await gooseAgent.probe({ bin })).toMatchObject({ available: false, reason: expect.stringContaining("Goose has no model provider") });
      expect(await gooseAgent.probe({ bin, provider: "openai" })).toEqual({ available: true, version: "fake-acp 1.0.0" });
      expect(await geminiAgent.probe({ bin })).toMatchObject({ available: false, reason: expect.stringContaining("Gemini CLI is not signed in") });
      expect(await auggieAgent.probe({ bin })).toMatchObject({ available: false, reason: "Auggie is not signed in: set AUGMENT_SESSION_AUTH, or run `auggie login` as the server's user" });
      expect(await auggieAgent.probe({ bin, sessionAuth: "not json" })).toMatchObject({ available: false, reason: "AUGMENT_SESSION_AUTH is not a session JSON with accessToken and tenantURL" });
      await mkdir(path.join(home, ".augment"));
      await writeFile(path.join(home, ".augment", "session.json"), JSON.stringify({ accessToken: "tok", tenantURL: "https://t.example", scopes: [] }));
      expect(augmentLoginProblem(undefined, home)).toBeUndefined();
      expect(await auggieAgent.probe({ bin })).toEqual({ available: true, version: "fake-acp 1.0.0" });
    } finally {
      process.env.HOME = saved;
    }
  });

  it("runs auggie with --acp and its workspace root", async () => {
    const run = await runAgent(auggieAgent, { prompt: "hi", config: { bin, sessionAuth: '{"accessToken":"a","tenantURL":"https://t"}', idleTimeoutSeconds: 30 } });
    expect(run.error).toBeUndefined();
    expect(fakeLog(run.workspace).argv).toEqual(["--acp", "--workspace-root", run.workspace]);
    expect(fakeLog(run.workspace).env.AUGMENT_SESSION_AUTH).toBe('{"accessToken":"a","tenantURL":"https://t"}');
  });
});

describe("chooseOption", () => {
  const options = [
    { optionId: "a1", name: "Allow", kind: "allow_once" as const },
    { optionId: "a2", name: "Always allow", kind: "allow_always" as const },
    { optionId: "r1", name: "Deny", kind: "reject_once" as const },
  ];
  it("takes a named option that agrees with the decision, else the once option of that kind", () => {
    expect(chooseOption(options, { approved: true, answeredBy: "a" })?.optionId).toBe("a1");
    expect(chooseOption(options, { approved: true, text: "always allow", answeredBy: "a" })?.optionId).toBe("a2");
    expect(chooseOption(options, { approved: false, text: "Always allow", answeredBy: "a" })?.optionId).toBe("r1");
    expect(chooseOption(options.slice(0, 2), { approved: false, answeredBy: "a" })).toBeUndefined();
  });
});
