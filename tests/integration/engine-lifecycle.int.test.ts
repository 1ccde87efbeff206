import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, executions } from "../../lib/db/schema";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, eventsOf, statePath, submit, taskRow, testWorker, waitForState } from "../support/engine";

describe("engine: task lifecycle end to end (test-echo)", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let worker: Worker;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    worker = await testWorker(database, { waitTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("runs a task to COMPLETED through every state, logging and auditing each step", async () => {
    const id = await submit(database, ada, { prompt: "hello there" });
    const done = await waitForState(database, id, "COMPLETED");
    expect(done.result).toEqual({ output: "echo: hello there", data: { steps: 1, answers: [] } });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    expect(done.leaseExpiresAt).toBeNull();
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "COMPLETED"]);
    const events = await eventsOf(database, id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(done.eventsCount).toBe(events.length);
    expect(events.find((e) => e.type === "output")?.data).toEqual({ text: "hello there\n", stream: "assistant" });
    expect(events.at(-2)?.type).toBe("result");
    const audit = await database.db.select({ type: auditEvents.eventType }).from(auditEvents).where(eq(auditEvents.resourceId, id)).orderBy(auditEvents.entry);
    expect(audit.map((a) => a.type)).toEqual(["task.submitted", "task.started", "agent.executed", "task.completed"]);
  });

  it("batches output: many quick chunks become few rows, in order, nothing lost", async () => {
    const id = await submit(database, ada, { prompt: "x", context: { steps: [{ chunks: 200, text: "line" }] } });
    await waitForState(database, id, "COMPLETED");
    const outputs = (await eventsOf(database, id)).filter((e) => e.type === "output");
    expect(outputs.length).toBeLessThan(20);
    const text = outputs.map((e) => e.data.text).join("");
    expect(text).toBe(Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join(""));
  });

  it("records an agent failure as FAILED agent_error with the message", async () => {
    const id = await submit(database, ada, { prompt: "say:starting; fail:disk on fire" });
    const failed = await waitForState(database, id, "FAILED");
    expect(failed.errorCode).toBe("agent_error");
    expect(failed.error).toBe("disk on fire");
    const types = (await eventsOf(database, id)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(["error", "state"]);
  });

  it("WAITING: the question is persisted, an answer resumes the agent", async () => {
    const id = await submit(database, ada, { prompt: "ask:Which branch?; say:done" });
    await waitForState(database, id, "WAITING");
    const task = await runtime.getTask(contextFor(ada), id);
    expect(task.pending_question).toMatchObject({ kind: "question", prompt: "Which branch?" });
    expect((await taskRow(database, id)).waitExpiresAt).not.toBeNull();
    await runtime.provideInput(contextFor(ada), id, { answer: "main" });
    const done = await waitForState(database, id, "COMPLETED");
    expect(done.result).toMatchObject({ data: { answers: ["main"] } });
    expect(await statePath(database, id)).toEqual(["PENDING", "PLANNING", "RUNNING", "WAITING", "RUNNING", "COMPLETED"]);
    const outputs = (await eventsOf(database, id)).filter((e) => e.type === "output").map((e) => e.data.text);
    expect(outputs.join("")).toBe("answer: main\ndone\n");
    const input = (await eventsOf(database, id)).find((e) => e.type === "input");
    expect(input?.data).toMatchObject({ text: "main", answered_by: ada.email });
  });

  it("an approval that is denied fails the task; answering a task that is not waiting is 409", async () => {
    const id = await submit(database, ada, { prompt: "approve:rm -rf build" });
    await waitForState(database, id, "WAITING");
    await expect(runtime.provideInput(contextFor(ada), id, { answer: "maybe" })).rejects.toMatchObject({ code: "validation_failed" });
    await runtime.provideInput(contextFor(ada), id, { approved: false, text: "not today" });
    const failed = await waitForState(database, id, "FAILED");
    expect(failed.error).toBe(`Denied by ${ada.email}: not today`);
    await expect(runtime.provideInput(contextFor(ada), id, { approved: true })).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("honours the per-node concurrency limit", async () => {
    const small = await testWorker(database, { concurrency: 2 });
    await worker.stop();
    try {
      const ids = await Promise.all(Array.from({ length: 6 }, () => submit(database, ada, { prompt: "sleep:150" })));
      let peak = 0;
      await expect
        .poll(async () => {
          const active = await database.db
            .select({ id: executions.id })
            .from(executions)
            .where(and(inArray(executions.id, ids), inArray(executions.state, ["PLANNING", "RUNNING"])));
          peak = Math.max(peak, active.length);
          const done = await database.db.select({ id: executions.id }).from(executions).where(and(inArray(executions.id, ids), eq(executions.state, "COMPLETED")));
          return done.length;
        }, POLL)
        .toBe(6);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(2);
    } finally {
      await small.stop();
      worker = await testWorker(database, { waitTimeoutMs: 60_000 });
    }
  });
});
