import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltInAgents, updateAgentConfig } from "../../lib/agents";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, eventsOf, POLL, statePath, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { FAKE_BIN, isAlive, readPids, waitFor } from "../fakes/run-agent";

/**
 * The real claude-code adapter run by the real engine: configuration from the admin API,
 * a tool approval through WAITING and provideInput, and cancel reaching the process group.
 */
describe("agents through the engine (claude-code adapter, fake claude CLI)", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  const workspace = mkdtempSync(path.join(tmpdir(), "clawlink-agent-ws-"));
  let ada: TestUser;
  let worker: Worker;

  beforeAll(async () => {
    registerBuiltInAgents();
    ada = await createUser(database.db, { role: "ADMIN", name: "Ada" });
    await updateAgentConfig(database.db, contextFor(ada), "claude-code", {
      settings: { bin: path.join(FAKE_BIN, "claude"), idle_timeout_seconds: 30 },
      secrets: { api_key: "sk-engine-test" },
    });
    worker = await testWorker(database, { deps: { workspaceFor: async () => workspace } });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("completes a task whose tool use a person approves", async () => {
    const id = await submit(database, ada, { agent_type: "claude-code", prompt: "Do it [scenario:approval]" });
    await waitForState(database, id, "WAITING");
    await runtime.provideInput(contextFor(ada), id, { approved: true });
    const done = await waitForState(database, id, "COMPLETED");
    expect(JSON.stringify(done.result)).toContain("Tool said: approved-run");
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "WAITING", "RUNNING", "COMPLETED"]);
    const types = (await eventsOf(database, id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["tool_call", "tool_result", "usage"]));
  });

  it("cancel stops the CLI and everything it started", async () => {
    const id = await submit(database, ada, { agent_type: "claude-code", prompt: "Work [scenario:cancel]" });
    await waitFor(() => existsSync(path.join(workspace, ".fake-claude-pids.json")), POLL.timeout);
    const pids = await readPids(workspace, "claude");
    await waitForState(database, id, "RUNNING");
    await runtime.cancelTask(contextFor(ada), id);
    await waitForState(database, id, "CANCELLED");
    await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild), 10_000);
    expect((await taskRow(database, id)).state).toBe("CANCELLED");
  });

  it("fails the task with the backend's reason", async () => {
    const id = await submit(database, ada, { agent_type: "claude-code", prompt: "hi [scenario:error]" });
    const failed = await waitForState(database, id, "FAILED");
    expect(failed.error).toContain("Invalid API key");
  });
});
