import { and, asc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, executionEvents, executions } from "../../lib/db/schema";
import { CHANNELS } from "../../lib/engine/channels";
import { appendEvents } from "../../lib/engine/event-log";
import { ACTIVE_STATES } from "../../lib/engine/lifecycle";
import { claimTasks } from "../../lib/engine/queue";
import { transitionTask } from "../../lib/engine/transitions";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { eventsOf, submit, taskRow } from "../support/engine";

/**
 * transitionTask is one statement (lock, update, events, audit, notices): what it writes must be
 * what the state machine promises, and a refused move must write nothing.
 */
describe("engine: one-statement transitions", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let ada: TestUser;
  beforeAll(async () => {
    ada = await createUser(db, { name: "Ada" });
  });

  const claimed = async (prompt: string) => {
    const id = await submit(database, ada, { prompt });
    const claims = await claimTasks(db, { nodeId: "node-t", limit: 10, leaseMs: 60_000 });
    const claim = claims.find((c) => c.id === id);
    if (!claim) throw new Error("not claimed");
    return claim;
  };
  const auditsOf = (id: string) => db.select().from(auditEvents).where(eq(auditEvents.resourceId, id)).orderBy(asc(auditEvents.occurredAt));

  it("writes the row, the events after the log's last seq (the state event says where from), the audit row and the notices in order", async () => {
    const task = await claimed("say: transition");
    const before = await taskRow(database, task.id);
    const heard: string[] = [];
    const offs = await Promise.all(Object.values(CHANNELS).map((channel) => database.listen(channel, (payload) => heard.push(`${channel} ${payload}`))));
    const done = await transitionTask(db, {
      taskId: task.id,
      attempt: task.attempt,
      to: "FAILED",
      set: { error: "boom", errorCode: "agent_error" },
      events: [{ type: "output", data: { stream: "stdout", text: "last words" } }, { type: "error", data: { message: "boom" } }],
      data: { node: "node-t" },
      control: "fail",
      requeue: true,
    });
    expect(done?.from).toBe(before.state);
    expect(done?.task).toMatchObject({ id: task.id, state: "FAILED", error: "boom", errorCode: "agent_error", eventsCount: before.eventsCount + 3, leaseExpiresAt: null });
    expect(done?.task.finishedAt).toBeInstanceOf(Date);
    expect(await taskRow(database, task.id)).toEqual(done?.task);

    const events = (await eventsOf(database, task.id)).slice(before.eventsCount);
    expect(events.map((e) => [e.seq, e.attempt, e.type, e.state, e.data])).toEqual([
      [before.eventsCount + 1, task.attempt, "output", null, { stream: "stdout", text: "last words" }],
      [before.eventsCount + 2, task.attempt, "error", null, { message: "boom" }],
      [before.eventsCount + 3, task.attempt, "state", "FAILED", { from: before.state, node: "node-t" }],
    ]);
    const [audit] = (await auditsOf(task.id)).filter((a) => a.eventType === "task.failed");
    expect(audit).toMatchObject({
      action: "task.failed",
      outcome: "failure",
      actorUserId: ada.id,
      resourceType: "task",
      resourceId: task.id,
      details: { agent_type: "test-echo", attempt: task.attempt, from: before.state, to: "FAILED", error_code: "agent_error" },
    });
    await expect
      .poll(() => heard.filter((h) => h.includes(task.id)))
      .toEqual([`${CHANNELS.events} ${task.id}:${before.eventsCount + 3}`, `${CHANNELS.control} ${task.id}:fail`, `${CHANNELS.queue} ${task.id}`]);
    await Promise.all(offs.map((off) => off()));
  });

  it("a caller's audit fields and details override the defaults; no audit row for a non-terminal move without one", async () => {
    const task = await claimed("say: audited");
    const moved = await transitionTask(db, { taskId: task.id, attempt: task.attempt, to: "RUNNING", from: ["PLANNING"] });
    expect(moved?.task.state).toBe("RUNNING");
    expect((await auditsOf(task.id)).map((a) => a.eventType)).not.toContain("agent.executed");
    await transitionTask(db, {
      taskId: task.id,
      to: "CANCELLED",
      audit: { eventType: "task.cancelled", actorUserId: null, ip: "10.0.0.9", details: { reason: "admin", attempt: 99 } },
    });
    const [audit] = (await auditsOf(task.id)).filter((a) => a.eventType === "task.cancelled");
    expect(audit).toMatchObject({ actorUserId: null, ip: "10.0.0.9", outcome: "success", details: { agent_type: "test-echo", from: "RUNNING", to: "CANCELLED", reason: "admin", attempt: 99 } });
    expect(audit.details).not.toHaveProperty("error_code");
  });

  it("refuses, writing nothing, a move the lifecycle, the fence, `from` or `when` does not allow", async () => {
    const task = await claimed("say: refused");
    const before = await taskRow(database, task.id);
    const audits = (await auditsOf(task.id)).length;
    expect(await transitionTask(db, { taskId: task.id, attempt: task.attempt + 1, to: "RUNNING" })).toBeNull();
    expect(await transitionTask(db, { taskId: task.id, to: "WAITING" })).toBeNull(); // PLANNING → WAITING is not a move
    expect(await transitionTask(db, { taskId: task.id, to: "RUNNING", from: ["WAITING"] })).toBeNull();
    expect(await transitionTask(db, { taskId: task.id, to: "RUNNING", when: sql`${executions.cancelRequestedAt} is not null` })).toBeNull();
    expect(await taskRow(database, task.id)).toEqual(before);
    expect((await eventsOf(database, task.id)).length).toBe(before.eventsCount);
    expect((await auditsOf(task.id)).length).toBe(audits);
    await transitionTask(db, { taskId: task.id, to: "COMPLETED", from: ["RUNNING"] }).then((r) => expect(r).toBeNull());
    expect(await transitionTask(db, { taskId: task.id, to: "RUNNING", from: ["PLANNING"] })).not.toBeNull();
  });

  it("racing output appends and the final transition keep the log gap-free and in order", async () => {
    const task = await claimed("say: race");
    await transitionTask(db, { taskId: task.id, attempt: task.attempt, to: "RUNNING" });
    const appends = Array.from({ length: 20 }, (_, i) =>
      db.transaction((tx) => appendEvents(tx, task.id, [{ type: "output", data: { text: `a${i}` } }, { type: "output", data: { text: `b${i}` } }], { attempt: task.attempt, states: ACTIVE_STATES })),
    );
    const finished = transitionTask(db, { taskId: task.id, attempt: task.attempt, to: "COMPLETED", events: [{ type: "result", data: { output: "ok" } }] });
    const [results, done] = await Promise.all([Promise.all(appends), finished]);
    expect(done?.task.state).toBe("COMPLETED");
    const events = await eventsOf(database, task.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const row = await taskRow(database, task.id);
    expect(row.eventsCount).toBe(events.length);
    // Appends after the terminal move were fenced out (null); every accepted pair is in the log, together.
    const accepted = results.filter((last) => last !== null).length;
    expect(events.filter((e) => e.type === "output")).toHaveLength(accepted * 2);
    expect(events.at(-1)).toMatchObject({ type: "state", state: "COMPLETED" });
    const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(executionEvents).where(and(eq(executionEvents.executionId, task.id), eq(executionEvents.type, "result")));
    expect(n).toBe(1);
  });
});
