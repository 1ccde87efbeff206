import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { auggieAgent } from "../../lib/agents/auggie";
import { eventsOf, FAKE_BIN, isAlive, readPids, readRecord, runAgent, tempWorkspace, testSkill, waitFor } from "../fakes/run-agent";

const bin = path.join(FAKE_BIN, "auggie");
const session = JSON.stringify({ accessToken: "tok", tenantURL: "https://t.augmentcode.com", scopes: ["read"] });
const config = { bin, sessionAuth: session, model: "sonnet4.5", maxTurns: 20, idleTimeoutSeconds: 30 };

describe("auggie adapter (fake auggie --print --output-format json)", () => {
  it("returns the result line's text, cost and session", async () => {
    const workspace = await tempWorkspace();
    const run = await runAgent(auggieAgent, { prompt: "Fix lint", config, workspace, skills: [testSkill(workspace)] });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Fixed 4 lint errors in src/api.ts and src/db.ts. Skills: code-review.");
    expect(run.result?.data).toMatchObject({ session_id: "9d3c2b1e-0000-4000-8000-000000000009", num_turns: 6, subtype: "success" });
    expect(eventsOf(run, "usage")).toEqual([{ type: "usage", costUsd: 0.042 }]);
    expect(eventsOf(run, "message")[0].text).toBe(run.result?.output);
    const record = await readRecord(workspace, "auggie");
    expect(record.argv).toEqual(["--print", "Fix lint", "--output-format", "json", "--workspace-root", workspace, "--show-cost", "--model", "sonnet4.5", "--max-turns", "20"]);
    expect(record.env.AUGMENT_SESSION_AUTH).toBe(session);
    expect(Object.keys(record.env).sort()).toEqual(["AUGMENT_SESSION_AUTH", "HOME", "PATH"]);
    expect(existsSync(path.join(workspace, ".augment"))).toBe(false);
  });

  it("fails with the result text when is_error is true", async () => {
    const run = await runAgent(auggieAgent, { prompt: "[scenario:error]", config });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("auggie error_during_execution: Tool execution failed: permission denied for launch-process");
  });

  it("treats error_max_turns as a failure even with exit code 0", async () => {
    const run = await runAgent(auggieAgent, { prompt: "[scenario:max-turns]", config });
    expect(run.error?.message).toBe("auggie error_max_turns: Stopped after 3 turns");
  });

  it("reports the CLI's own message when it exits without a result", async () => {
    const run = await runAgent(auggieAgent, { prompt: "[scenario:auth]", config: { ...config, sessionAuth: undefined } });
    expect(run.error?.message).toMatch(/^auggie failed with exit code 1: ❌ No auth provided/);
  });

  it("stops a run that exceeds the watchdog", async () => {
    const run = await runAgent(auggieAgent, { prompt: "[scenario:hang]", config: { ...config, idleTimeoutSeconds: 1 } });
    expect(run.error?.code).toBe("idle_timeout");
  });

  it("cancel kills auggie and its children", async () => {
    const workspace = await tempWorkspace();
    const controller = new AbortController();
    const running = runAgent(auggieAgent, { prompt: "[scenario:cancel]", config, workspace, controller });
    await waitFor(() => existsSync(path.join(workspace, ".fake-auggie-pids.json")));
    const pids = await readPids(workspace, "auggie");
    controller.abort();
    expect((await running).error?.code).toBe("cancelled");
    await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild));
    expect(() => process.kill(pids.grandchild, 0)).toThrow();
  });

  it("probe reports the version or the missing binary", async () => {
    expect(await auggieAgent.probe({ bin })).toEqual({ available: true, version: "0.36.0" });
    expect((await auggieAgent.probe({ bin: "/opt/none/auggie" })).reason).toBe("/opt/none/auggie not found or not executable (AUGGIE_BIN)");
  });
});
