import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDatabase } from "../../lib/db";
import { executions, nodes } from "../../lib/db/schema";
import { OutputBatcher } from "../../lib/engine/output-batcher";
import { claimTasks } from "../../lib/engine/queue";
import { startSweepLoop } from "../../lib/engine/sweep-loop";
import { sweep } from "../../lib/engine/sweeper";
import { routeHandlers } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { FAST, eventsOf, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { faultyDatabase } from "../support/faulty-db";

/**
 * Faults a node must survive, in-process on either database (tests/integration/
 * engine-faults.postgres.int.test.ts does the same with real processes, SIGSTOP, SIGTERM,
 * terminated sessions and a cut TCP link on PostgreSQL).
 */
describe("engine faults: drain, lease judgement, outages, output", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const LEASE = FAST.leaseMs!;
  const isResumable = (type: string) => type === "test-echo";
  let ada: TestUser;

  beforeAll(async () => {
    ada = await createUser(db, { name: "Ada" });
  });

  /** A task claimed by `node` (which runs nothing), then put in `state` with its lease already expired. */
  async function strandedTask(node: string, state: "PLANNING" | "RUNNING", agent = "test-echo-once"): Promise<string> {
    const id = await submit(database, ada, { agent_type: agent, prompt: "say:hello" });
    // Claim exactly this task: nothing else is PENDING while no worker runs.
    const claimed = await claimTasks(db, { nodeId: node, limit: 1, leaseMs: LEASE });
    expect(claimed.map((c) => c.id)).toEqual([id]);
    await db
      .update(executions)
      .set({ state, leaseExpiresAt: sql`clock_timestamp() - interval '1 second'` })
      .where(eq(executions.id, id));
    return id;
  }

  async function nodeRow(id: string, heartbeatAgoMs: number) {
    await db
      .insert(nodes)
      .values({ id, hostname: "test", pid: 1, roles: "worker", version: "test", concurrency: 1 })
      .onConflictDoUpdate({ target: nodes.id, set: { stoppedAt: null } });
    await db
      .update(nodes)
      .set({ heartbeatAt: sql`clock_timestamp() - ${heartbeatAgoMs}::int * interval '1 millisecond'` })
      .where(eq(nodes.id, id));
  }

  it("a graceful stop keeps renewing leases through the drain: work finishing within it completes; only what still runs at its end is failed", async () => {
    const leaving = await testWorker(database, { nodeId: "leaving", concurrency: 3 });
    const finishing = [
      await submit(database, ada, { agent_type: "test-echo-once", prompt: `sleep:${LEASE + 1_500}; say:done` }),
      await submit(database, ada, { agent_type: "test-echo-once", prompt: `sleep:${LEASE + 2_000}; say:done` }),
    ];
    const endless = await submit(database, ada, { agent_type: "test-echo-once", prompt: "hang" });
    for (const id of [...finishing, endless]) await waitForState(database, id, "RUNNING");
    // Another node sweeps all along: it must not take the draining node for dead.
    const sweeper = await testWorker(database, { nodeId: "watching", concurrency: 1 });
    try {
      await leaving.stop({ drainMs: LEASE * 2 + 2_000 });
      for (const id of finishing) {
        const row = await taskRow(database, id);
        expect(row.state, `task ${id}: ${row.errorCode ?? ""}`).toBe("COMPLETED");
        expect(row.claimedBy).toBe("leaving");
      }
      const stopped = await taskRow(database, endless);
      expect(stopped).toMatchObject({ state: "FAILED", errorCode: "node_stopped" });
    } finally {
      await sweeper.stop();
    }
  });

  it("a live node that is late renewing a lease is not blamed; a silent one is", async () => {
    await nodeRow("slow-node", 0);
    const task = await strandedTask("slow-node", "RUNNING");
    await sweep(db, { isResumable, graceMs: LEASE, leaseMs: LEASE });
    expect((await taskRow(database, task)).state).toBe("RUNNING");
    // No node heartbeat for a whole lease: now it is lost.
    await nodeRow("slow-node", LEASE + 1_000);
    await sweep(db, { isResumable, graceMs: LEASE, leaseMs: LEASE });
    expect(await taskRow(database, task)).toMatchObject({ state: "FAILED", errorCode: "node_lost" });
  });

  it("even a live node's task is recovered once its lease has gone unrenewed for a second lease", async () => {
    await nodeRow("forgetful-node", 0);
    const task = await strandedTask("forgetful-node", "RUNNING");
    await db
      .update(executions)
      .set({ leaseExpiresAt: sql`clock_timestamp() - ${LEASE + 1_000}::int * interval '1 millisecond'` })
      .where(eq(executions.id, task));
    await sweep(db, { isResumable, graceMs: LEASE, leaseMs: LEASE });
    expect(await taskRow(database, task)).toMatchObject({ state: "FAILED", errorCode: "node_lost" });
  });

  it("a node restarted under the same id recovers what its previous process held at once, not after a second lease", async () => {
    const task = await strandedTask("same-id-node", "RUNNING");
    // The previous process's lease is still running and the node id is about to heartbeat again.
    await db.update(executions).set({ leaseExpiresAt: sql`clock_timestamp() + interval '1 minute'` }).where(eq(executions.id, task));
    const restarted = await testWorker(database, { nodeId: "same-id-node" });
    try {
      expect(await waitForState(database, task, "FAILED", LEASE)).toMatchObject({ errorCode: "node_lost" });
    } finally {
      await restarted.stop();
    }
  });

  it("a non-resumable task whose node died while PLANNING goes back to PENDING and then runs", async () => {
    const task = await strandedTask("died-planning", "PLANNING");
    const report = await sweep(db, { isResumable, graceMs: LEASE, leaseMs: LEASE });
    expect(report.requeued).toBe(1);
    const row = await taskRow(database, task);
    expect(row).toMatchObject({ state: "PENDING", claimedBy: null, leaseExpiresAt: null });
    const worker = await testWorker(database, { nodeId: "rescuer" });
    try {
      await waitForState(database, task, "COMPLETED");
      const states = (await eventsOf(database, task)).filter((e) => e.type === "state");
      expect(states.map((e) => e.state)).toEqual(["PENDING", "PLANNING", "PENDING", "PLANNING", "RUNNING", "COMPLETED"]);
      expect(states[2].data).toMatchObject({ reason: "node_lost_before_start", node: "died-planning" });
    } finally {
      await worker.stop();
    }
  });

  it("after its own database access failed, the sweeper judges no lease until the grace period has passed", async () => {
    const task = await strandedTask("ghost-after-outage", "RUNNING");
    const faulty = faultyDatabase(db);
    const loop = startSweepLoop({ db: faulty.db, isResumable, leaseMs: LEASE, sweepMs: 60_000, reconnectGraceMs: 1_500 }, { timer: false });
    try {
      faulty.down = true;
      await expect(loop.sweepNow()).rejects.toMatchObject({ code: "ECONNRESET" });
      expect(loop.databaseDown).toBe(true);
      faulty.down = false;
      expect(await loop.sweepNow()).toMatchObject({ lost: 0 });
      expect((await taskRow(database, task)).state).toBe("RUNNING");
      await new Promise((resolve) => setTimeout(resolve, 1_700));
      expect(await loop.sweepNow()).toMatchObject({ lost: 1 });
      expect(await taskRow(database, task)).toMatchObject({ state: "FAILED", errorCode: "node_lost" });
    } finally {
      loop.stop();
    }
  });

  describe("output batches", () => {
    async function runningTask(): Promise<{ id: string; attempt: number }> {
      const id = await submit(database, ada, { prompt: "x" });
      const [claim] = await claimTasks(db, { nodeId: "batch-writer", limit: 1, leaseMs: 60_000 });
      expect(claim.id).toBe(id);
      return { id, attempt: claim.attempt };
    }
    const outputs = async (id: string) => (await eventsOf(database, id)).filter((e) => e.type === "output" || e.type === "output_lost").map((e) => (e.type === "output" ? e.data.text : `lost:${String(e.data.events)}`));

    it("a failed write is retried, in order, and never written twice after an ambiguous commit", async () => {
      const { id, attempt } = await runningTask();
      const faulty = faultyDatabase(db);
      const batcher = new OutputBatcher(faulty.db, id, attempt, 10_000, () => {
        throw new Error("not lost");
      });
      faulty.failNextTransactions = 3;
      batcher.push({ type: "output", stream: "stdout", text: "one " });
      const first = batcher.flush();
      batcher.push({ type: "output", stream: "stderr", text: "two " });
      const second = batcher.flush();
      expect(await first).toBe(true);
      expect(await second).toBe(true);
      // The commit lands but its answer is lost: the retry finds the batch already there.
      faulty.loseNextCommitReplies = 1;
      batcher.push({ type: "output", stream: "stdout", text: "three" });
      expect(await batcher.close()).toBe(true);
      expect(await outputs(id)).toEqual(["one ", "two ", "three"]);
      // Three refused attempts and the one that landed, the second batch, the third whose answer was lost.
      expect(faulty.transactions).toBe(6);
    });

    it("a batch given up is recorded as an output_lost event before the next output, never dropped silently", async () => {
      const { id, attempt } = await runningTask();
      const faulty = faultyDatabase(db);
      const batcher = new OutputBatcher(faulty.db, id, attempt, 10_000, () => {}, 300);
      batcher.push({ type: "output", stream: "stdout", text: "kept " });
      await batcher.flush();
      faulty.failNextTransactions = 1_000;
      batcher.push({ type: "output", stream: "stdout", text: "gone" });
      batcher.push({ type: "progress", message: "gone too" });
      expect(await batcher.flush()).toBe(true);
      faulty.failNextTransactions = 0;
      batcher.push({ type: "output", stream: "stdout", text: "after" });
      await batcher.close();
      expect(await outputs(id)).toEqual(["kept ", "lost:2", "after"]);
    });

    it("a loss at the very end is still recorded when the batcher closes", async () => {
      const { id, attempt } = await runningTask();
      const faulty = faultyDatabase(db);
      const batcher = new OutputBatcher(faulty.db, id, attempt, 10_000, () => {}, 200);
      faulty.failNextTransactions = 1_000;
      batcher.push({ type: "output", stream: "stdout", text: "gone" });
      expect(await batcher.flush()).toBe(true);
      // Nothing else is written after the loss: closing writes the report on its own.
      faulty.failNextTransactions = 0;
      await batcher.close();
      expect(await outputs(id)).toEqual(["lost:1"]);
    });
  });

  describe("while the database is unreachable", () => {
    const { GET: health } = routeHandlers("/api/health");
    const { GET: listTasks } = routeHandlers("/api/runtime/tasks");
    let token: string;

    beforeAll(async () => {
      token = (await apiTokenFor(db, ada.id)).token;
    });
    afterAll(() => setDatabase(database));

    it("the API answers 503 unavailable with Retry-After, and health answers 503 saying the database is unreachable", async () => {
      const faulty = faultyDatabase(db);
      setDatabase({ ...database, db: faulty.db });
      expect((await health(new Request("http://node.test/api/health"))).status).toBe(200);
      faulty.down = true;

      const down = await health(new Request("http://node.test/api/health"));
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("5");
      const body = (await down.json()) as { error: { code: string; message: string; details: unknown } };
      expect(body.error.code).toBe("unavailable");
      expect(body.error.message).toMatch(/database is unreachable/);
      expect(body.error.details).toMatchObject({ database: { kind: database.kind, reachable: false, reason: "ECONNRESET" } });

      const tasks = await listTasks(bearerRequest(token, "http://node.test/api/runtime/tasks"));
      expect(tasks.status).toBe(503);
      expect(tasks.headers.get("retry-after")).toBe("5");
      expect(((await tasks.json()) as { error: { code: string } }).error.code).toBe("unavailable");

      faulty.down = false;
      expect((await listTasks(bearerRequest(token, "http://node.test/api/runtime/tasks"))).status).toBe(200);
    });
  });
});
