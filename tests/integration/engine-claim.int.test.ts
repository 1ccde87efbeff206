import { and, eq, inArray } from "drizzle-orm";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../lib/db/schema";
import { claimTasks } from "../../lib/engine/queue";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { needsPlanning } from "../../lib/runtime/worker";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, eventsOf, statePath, submit, taskRow, testWorker, waitForState } from "../support/engine";

/** What the claim does for tasks that need no planning, and what it still leaves to PLANNING. */
describe("engine: the claim goes straight to RUNNING when nothing needs planning", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let worker: Worker | undefined;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  const auditOf = (id: string) =>
    database.db
      .select({ type: auditEvents.eventType, action: auditEvents.action, actor: auditEvents.actorUserId, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, id), inArray(auditEvents.eventType, ["task.started", "agent.executed"])));

  it("logs PLANNING then RUNNING in the claim's own transaction, audits both, and hands back the row as stored", async () => {
    const direct = await submit(database, ada, { prompt: "direct" });
    const planned = await submit(database, ada, { prompt: "planned" });
    const claims = await claimTasks(database.db, { nodeId: "claimer", limit: 2, leaseMs: 60_000, direct: (task) => task.prompt === "direct" });
    expect(claims.map((c) => [c.id, c.state, c.attempt, c.resumed])).toEqual([
      [direct, "RUNNING", 1, false],
      [planned, "PLANNING", 1, false],
    ]);
    // No second read needed: the claim's row is the stored row.
    for (const claim of claims) expect(claim.task).toEqual(await taskRow(database, claim.id));

    const events = await eventsOf(database, direct);
    expect(events.map((e) => [e.seq, e.type, e.state, e.attempt])).toEqual([
      [1, "state", "PENDING", 0],
      [2, "state", "PLANNING", 1],
      [3, "state", "RUNNING", 1],
    ]);
    expect(events[1].data).toMatchObject({ from: "PENDING", node: "claimer", attempt: 1 });
    expect(events[2].data).toMatchObject({ from: "PLANNING", node: "claimer", attempt: 1 });
    // Both now() of one transaction: the claim itself moved it to RUNNING.
    expect(events[2].createdAt.getTime()).toBe(events[1].createdAt.getTime());
    expect((await taskRow(database, direct)).eventsCount).toBe(3);
    expect(await auditOf(direct)).toEqual(
      expect.arrayContaining([
        { type: "task.started", action: "task.started", actor: ada.id, details: { agent_type: "test-echo", attempt: 1, node: "claimer" } },
        { type: "agent.executed", action: "agent.executed", actor: ada.id, details: { agent_type: "test-echo", attempt: 1, from: "PLANNING", to: "RUNNING", task_id: direct, node: "claimer" } },
      ]),
    );

    expect(await statePath(database, planned)).toEqual(["PENDING", "PLANNING"]);
    expect((await auditOf(planned)).map((a) => a.type)).toEqual(["task.started"]);
  });

  it("a cancel before the claim wins: the task is never claimed", async () => {
    const id = await submit(database, ada, { prompt: "cancel me first" });
    await runtime.cancelTask(contextFor(ada), id);
    expect(await claimTasks(database.db, { nodeId: "claimer", limit: 4, leaseMs: 60_000, direct: () => true })).toEqual([]);
    expect(await statePath(database, id)).toEqual(["PENDING", "CANCELLED"]);
    expect((await taskRow(database, id)).attempt).toBe(0);
  });

  it("needs planning: skills to load, a repository workspace, an unknown agent; not a plain task", async () => {
    const row = await taskRow(database, await submit(database, ada, { prompt: "say:plain" }));
    expect(needsPlanning(row)).toBe(false);
    expect(needsPlanning({ ...row, skills: ["code-review"] })).toBe(true);
    expect(needsPlanning({ ...row, prompt: "write:notes.md=hello" })).toBe(true);
    expect(needsPlanning({ ...row, agentType: "no-such-agent" })).toBe(true);
    await runtime.cancelTask(contextFor(ada), row.id);
  });

  describe("with a worker", () => {
    const workspace = mkdtempSync(path.join(tmpdir(), "clawlink-ws-"));
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    afterAll(() => openGate());

    beforeAll(async () => {
      worker = await testWorker(database, {
        // Output of a run is only written when it ends, so the final write carries it.
        batchMs: 60_000,
        deps: {
          workspaceFor: async (task) => (task.prompt.includes("gated") ? gate.then(() => workspace) : workspace),
          loadSettings: async (_db, type) => {
            if (type === "test-echo-once") throw new Error("settings unreadable");
            return {};
          },
        },
      });
    });

    it("a plain task runs PENDING → PLANNING → RUNNING → COMPLETED, its output written with the final state at once", async () => {
      const id = await submit(database, ada, { prompt: "say:hello" });
      await waitForState(database, id, "COMPLETED");
      const events = await eventsOf(database, id);
      expect(events.filter((e) => e.type === "state").map((e) => e.state)).toEqual(["PENDING", "PLANNING", "RUNNING", "COMPLETED"]);
      const output = events.find((e) => e.type === "output")!;
      const completed = events.find((e) => e.state === "COMPLETED")!;
      expect(output.data).toMatchObject({ text: expect.stringContaining("hello") });
      // One transaction (same now()), not a batch write before it: the 60 s window did not hold it back.
      expect(output.createdAt.getTime()).toBe(completed.createdAt.getTime());
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    });

    it("a task that needs planning (a workspace to prepare) still stops in PLANNING until it is prepared", async () => {
      const id = await submit(database, ada, { prompt: "write:gated.md=hi" });
      await waitForState(database, id, "PLANNING");
      expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING"]);
      const answer = await runtime.cancelTask(contextFor(ada), id, { waitMs: 0 });
      expect(answer).toMatchObject({ state: "PLANNING", cancel_requested: true });
      openGate();
      await waitForState(database, id, "CANCELLED");
      expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "CANCELLED"]);
    });

    it("a failure to load what the agent needs after the claim still fails the task planning_failed", async () => {
      const id = await submit(database, ada, { agent_type: "test-echo-once", prompt: "say:never" });
      const failed = await waitForState(database, id, "FAILED");
      expect(failed.errorCode).toBe("planning_failed");
      expect(failed.error).toContain("settings unreadable");
      expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "FAILED"]);
      expect((await eventsOf(database, id)).some((e) => e.type === "output")).toBe(false);
    });

    it("a cancel that comes after a claim straight to RUNNING (while it is set up) is a RUNNING cancel: the agent is stopped, the task CANCELLED", async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await worker!.stop();
      worker = await testWorker(database, { deps: { workspaceFor: async () => held.then(() => workspace) } });
      const id = await submit(database, ada, { prompt: "hang" });
      await waitForState(database, id, "RUNNING");
      await expect.poll(() => worker!.engine.runningTaskIds(), POLL).toContain(id);
      const answer = await runtime.cancelTask(contextFor(ada), id, { waitMs: 0 });
      expect(answer).toMatchObject({ state: "RUNNING", cancel_requested: true });
      release();
      await waitForState(database, id, "CANCELLED");
      await expect.poll(() => worker!.engine.runningTaskIds(), POLL).not.toContain(id);
      expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "CANCELLED"]);
    });
  });
});
