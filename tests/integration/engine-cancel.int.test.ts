import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../lib/db/schema";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, statePath, submit, taskRow, testWorker, waitForState } from "../support/engine";

describe("engine: cancellation in every non-terminal state, and deadlines", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  const workspace = mkdtempSync(path.join(tmpdir(), "clawlink-ws-"));
  let ada: TestUser;
  let worker: Worker | undefined;
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
  });
  afterAll(async () => {
    openGate();
    await worker?.stop();
  });

  const startWorker = async () => {
    worker = await testWorker(database, {
      waitTimeoutMs: 60_000,
      // A task whose prompt is "gated" stays in PLANNING until the test opens the gate (it is planned: it has a workspace to prepare).
      deps: {
        workspaceFor: async (task) => (task.prompt === "gated" ? gate.then(() => workspace) : workspace),
        needsPlanning: (task) => task.prompt === "gated",
      },
    });
    return worker;
  };

  it("PENDING: cancels at once, no worker involved", async () => {
    const id = await submit(database, ada, { prompt: "hello" });
    const answer = await runtime.cancelTask(contextFor(ada), id);
    expect(answer).toMatchObject({ task_id: id, state: "CANCELLED", success: false, cancel_requested: true });
    expect(await statePath(database, id)).toEqual(["PENDING", "CANCELLED"]);
    await startWorker();
    // A worker that starts later never runs it.
    const other = await submit(database, ada, { prompt: "after" });
    await waitForState(database, other, "COMPLETED");
    expect((await taskRow(database, id)).attempt).toBe(0);
  });

  it("PLANNING: the worker is told and records CANCELLED once planning returns", async () => {
    const id = await submit(database, ada, { prompt: "gated" });
    await waitForState(database, id, "PLANNING");
    const answer = await runtime.cancelTask(contextFor(ada), id, { waitMs: 0 });
    expect(answer).toMatchObject({ state: "PLANNING", cancel_requested: true });
    openGate();
    await waitForState(database, id, "CANCELLED");
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "CANCELLED"]);
  });

  it("RUNNING: the agent is aborted through its signal and the task is CANCELLED", async () => {
    const id = await submit(database, ada, { prompt: "say:working; hang" });
    await waitForState(database, id, "RUNNING");
    await expect.poll(() => worker!.engine.runningTaskIds(), POLL).toContain(id);
    const answer = await runtime.cancelTask(contextFor(ada), id);
    // The worker normally confirms within the cancel call's wait; on a very busy machine it may come just after.
    expect(answer.cancel_requested).toBe(true);
    await waitForState(database, id, "CANCELLED");
    await expect.poll(() => worker!.engine.runningTaskIds(), POLL).not.toContain(id);
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "CANCELLED"]);
    const audit = await database.db.select({ type: auditEvents.eventType, action: auditEvents.action, actor: auditEvents.actorUserId }).from(auditEvents).where(eq(auditEvents.resourceId, id));
    expect(audit).toContainEqual({ type: "task.cancelled", action: "task.cancel_requested", actor: ada.id });
    expect(audit).toContainEqual({ type: "task.cancelled", action: "task.cancelled", actor: ada.id });
  });

  it("WAITING: cancels at once and the waiting agent is released", async () => {
    const id = await submit(database, ada, { prompt: "ask:Shall I?" });
    await waitForState(database, id, "WAITING");
    const answer = await runtime.cancelTask(contextFor(ada), id);
    expect(answer.state).toBe("CANCELLED");
    await expect.poll(() => worker!.engine.runningTaskIds(), POLL).not.toContain(id);
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "WAITING", "CANCELLED"]);
    await expect(runtime.provideInput(contextFor(ada), id, { answer: "yes" })).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("a finished task cannot be cancelled (409)", async () => {
    const id = await submit(database, ada, { prompt: "quick" });
    await waitForState(database, id, "COMPLETED");
    await expect(runtime.cancelTask(contextFor(ada), id)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("fails a task past its time limit with error_code timeout, aborting the agent", async () => {
    const id = await submit(database, ada, { prompt: "hang", timeout_seconds: 1 });
    const failed = await waitForState(database, id, "FAILED");
    expect(failed.errorCode).toBe("timeout");
    await expect.poll(() => worker!.engine.runningTaskIds(), POLL).not.toContain(id);
  });

  it("fails a question nobody answers in time with wait_timeout", async () => {
    await worker!.stop();
    worker = await testWorker(database, { waitTimeoutMs: 400 });
    const id = await submit(database, ada, { prompt: "ask:Anyone there?" });
    const failed = await waitForState(database, id, "FAILED");
    expect(failed.errorCode).toBe("wait_timeout");
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "WAITING", "FAILED"]);
    await expect.poll(() => worker!.engine.runningTaskIds(), POLL).not.toContain(id);
  });
});
