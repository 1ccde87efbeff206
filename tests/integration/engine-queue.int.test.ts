import { and, count, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { auditEvents, executionEvents, executions } from "../../lib/db/schema";
import { appendEvents } from "../../lib/engine/event-log";
import { claimTasks } from "../../lib/engine/queue";
import { transitionTask } from "../../lib/engine/transitions";
import type { Worker } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, eventsOf, submit, taskRow, testWorker, waitForState } from "../support/engine";

describe("engine: durable queue, claims and fencing", async () => {
  const database = await useTestDatabase();
  let ada: TestUser;
  const extraHandles: DatabaseHandle[] = [];

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
  });
  afterAll(async () => {
    for (const h of extraHandles) await h.close();
  });

  it("wakes a worker by NOTIFY, not by polling", async () => {
    // A poll of one minute: only the NOTIFY sent with the insert can start the task in time.
    const worker = await testWorker(database, { pollMs: 60_000 });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const id = await submit(database, ada, { prompt: "ping" });
      const done = await waitForState(database, id, "COMPLETED", 10_000);
      expect(done.startedAt!.getTime() - done.createdAt.getTime()).toBeLessThan(5_000);
    } finally {
      await worker.stop();
    }
  });

  it("two engines racing for 200 tasks claim each exactly once", async () => {
    // On Postgres the second engine has its own connection pool, as a second node would.
    const second = database.reopen ? await database.reopen() : database;
    if (second !== database) extraHandles.push(second);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await submit(database, ada, { prompt: `task ${i}` }));
    // A long lease: this test is about claim exclusivity, not about recovering from a starved heartbeat.
    const timings = { concurrency: 8, leaseMs: 60_000, heartbeatMs: 1_000 };
    const [a, b] = await Promise.all([testWorker(database, { ...timings, nodeId: "node-a" }), testWorker(second, { ...timings, nodeId: "node-b" })]);
    try {
      await expect
        .poll(async () => {
          const [row] = await database.db.select({ n: count() }).from(executions).where(and(inArray(executions.id, ids), eq(executions.state, "COMPLETED")));
          return row.n;
        }, { timeout: 200_000, interval: 200 })
        .toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const rows = await database.db.select({ attempt: executions.attempt, node: executions.claimedBy }).from(executions).where(inArray(executions.id, ids));
    expect(rows.every((r) => r.attempt === 1)).toBe(true);
    const byNode = new Map<string, number>();
    for (const r of rows) byNode.set(r.node!, (byNode.get(r.node!) ?? 0) + 1);
    expect([...byNode.keys()].every((n) => n === "node-a" || n === "node-b")).toBe(true);
    const starts = await database.db
      .select({ id: auditEvents.resourceId, n: count() })
      .from(auditEvents)
      .where(and(eq(auditEvents.eventType, "task.started"), inArray(auditEvents.resourceId, ids)))
      .groupBy(auditEvents.resourceId);
    expect(starts).toHaveLength(200);
    expect(starts.every((s) => s.n === 1)).toBe(true);
    const planning = await database.db
      .select({ n: count() })
      .from(executionEvents)
      .where(and(inArray(executionEvents.executionId, ids), eq(executionEvents.state, "PLANNING")));
    expect(planning[0].n).toBe(200);
  }, 240_000);

  it("a stale worker (fenced out) cannot overwrite the newer attempt", async () => {
    const id = await submit(database, ada, { prompt: "stale" });
    const [first] = await claimTasks(database.db, { nodeId: "old-node", limit: 1, leaseMs: 60_000 });
    expect(first).toMatchObject({ id, attempt: 1, state: "PLANNING" });
    // Another node takes the task over (as after an orphaned lease): attempt 2.
    await database.db.update(executions).set({ claimedBy: null }).where(eq(executions.id, id));
    const [second] = await claimTasks(database.db, { nodeId: "new-node", limit: 1, leaseMs: 60_000 });
    expect(second).toMatchObject({ id, attempt: 2 });
    const before = await taskRow(database, id);

    expect(await transitionTask(database.db, { taskId: id, attempt: 1, to: "RUNNING" })).toBeNull();
    expect(await transitionTask(database.db, { taskId: id, attempt: 1, to: "FAILED", set: { error: "stale" } })).toBeNull();
    expect(await database.db.transaction((tx) => appendEvents(tx, id, [{ type: "output", data: { text: "stale" } }], { attempt: 1 }))).toBeNull();
    const after = await taskRow(database, id);
    expect(after).toMatchObject({ state: before.state, attempt: 2, claimedBy: "new-node", eventsCount: before.eventsCount, error: null });

    // The current attempt can still write.
    expect(await transitionTask(database.db, { taskId: id, attempt: 2, to: "RUNNING" })).not.toBeNull();
    expect(await transitionTask(database.db, { taskId: id, attempt: 2, to: "COMPLETED", set: { result: { output: "ok" } } })).not.toBeNull();
  });

  it("appending events on its own is one atomic statement: concurrent appends get contiguous seqs, a fence refusal writes nothing", async () => {
    const id = await submit(database, ada, { prompt: "append" });
    const [claim] = await claimTasks(database.db, { nodeId: "appender", limit: 1, leaseMs: 60_000 });
    const fence = { attempt: claim.attempt, states: ["PLANNING", "RUNNING"] as const };
    const lasts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendEvents(database.db, id, [{ type: "output", data: { text: `a${i}` } }, { type: "progress", data: { message: `b${i}` } }], fence),
      ),
    );
    const events = await eventsOf(database, id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(lasts).size).toBe(20);
    // Each append's two rows are adjacent, in order, ending at the seq it returned.
    for (const last of lasts) {
      const [first, second] = [events[last! - 2]!, events[last! - 1]!];
      expect(first.type).toBe("output");
      expect(second.type).toBe("progress");
      expect(String(first.data.text).slice(1)).toBe(String(second.data.message).slice(1));
    }
    const count = (await taskRow(database, id)).eventsCount;
    expect(count).toBe(events.length);

    // A task state outside the fence: refused, nothing written, the counter untouched.
    await transitionTask(database.db, { taskId: id, attempt: claim.attempt, to: "CANCELLED" });
    const before = await taskRow(database, id);
    expect(await appendEvents(database.db, id, [{ type: "output", data: { text: "late" } }], fence)).toBeNull();
    expect((await taskRow(database, id)).eventsCount).toBe(before.eventsCount);
    expect((await eventsOf(database, id)).length).toBe(before.eventsCount);
    // A state event keeps its state column.
    expect(await appendEvents(database.db, id, [{ type: "state", state: "CANCELLED", data: { note: "x" } }])).toBe(before.eventsCount + 1);
    expect((await eventsOf(database, id)).at(-1)).toMatchObject({ type: "state", state: "CANCELLED", data: { note: "x" } });
  });

  it("a running worker that loses its claim aborts its agent and writes nothing more", async () => {
    const worker: Worker = await testWorker(database, { nodeId: "loser" });
    try {
      const id = await submit(database, ada, { prompt: "x", context: { steps: [{ say: "before" }, { hang: true }] } });
      await waitForState(database, id, "RUNNING");
      await expect.poll(async () => (await eventsOf(database, id)).some((e) => e.type === "output"), POLL).toBe(true);
      // Simulate another node's claim of the same task: a newer attempt, another owner.
      await database.db.update(executions).set({ attempt: sql`${executions.attempt} + 1`, claimedBy: "thief" }).where(eq(executions.id, id));
      const taken = await taskRow(database, id);
      await expect.poll(() => worker.engine.runningTaskIds(), POLL).not.toContain(id);
      const after = await taskRow(database, id);
      expect(after).toMatchObject({ state: "RUNNING", attempt: taken.attempt, claimedBy: "thief", eventsCount: taken.eventsCount });
      await database.db.update(executions).set({ state: "CANCELLED" }).where(eq(executions.id, id));
    } finally {
      await worker.stop();
    }
  });

  it("only legal transitions happen in the database, whatever callers ask", async () => {
    const id = await submit(database, ada, { prompt: "never runs" });
    expect(await transitionTask(database.db, { taskId: id, to: "RUNNING" })).toBeNull();
    expect(await transitionTask(database.db, { taskId: id, to: "COMPLETED" })).toBeNull();
    expect(await transitionTask(database.db, { taskId: id, to: "CANCELLED" })).not.toBeNull();
    for (const to of ["PENDING", "PLANNING", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED"] as const) {
      expect(await transitionTask(database.db, { taskId: id, to })).toBeNull();
    }
    expect((await taskRow(database, id)).state).toBe("CANCELLED");
  });
});
