import { inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setDatabase } from "../../lib/db";
import { openDatabase, type DatabaseHandle } from "../../lib/db/client";
import { executionEvents } from "../../lib/db/schema";
import type { Worker } from "../../lib/runtime";
import { routeHandlers } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { FAST, eventsOf, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { spawnNodeProcess, spawnWorkerNode, type NodeProcess } from "../support/node-process";
import { hostPortOf, startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

/**
 * Fault injection with real node processes on PostgreSQL (this file runs only with TEST_DB=postgres:
 * vitest.config.ts leaves *.postgres.int.test.ts out on PGlite, whose single in-process database has
 * no sessions to stop, terminate or cut; engine-faults.int.test.ts covers the rest on both).
 * Leases are short (FAST: 3 s); bounds are generous for a loaded 2-core machine.
 */
const LEASE = FAST.leaseMs!;
/** SERVER_TIMEOUTS.idleInTransactionMs (5 s) plus scheduling slack: no node waits on a frozen one longer. */
const STALL_BOUND_MS = 12_000;

describe("engine faults on PostgreSQL: stalled, terminated, stopped and cut-off nodes", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const url = database.url!;
  let ada: TestUser;
  const processes: NodeProcess[] = [];
  const workers: Worker[] = [];
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    ada = await createUser(db, { name: "Ada" });
  });
  // Each test starts with no worker left over from the previous one (it would claim that test's tasks).
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop().catch(() => {});
  });
  afterAll(async () => {
    for (const p of processes) p.signal("SIGKILL");
    for (const h of handles) await h.close().catch(() => {});
  });
  const admin = () => {
    if (database.raw.kind !== "postgres") throw new Error("PostgreSQL only");
    return database.raw.client;
  };

  const track = <T extends NodeProcess>(p: T) => (processes.push(p), p);
  const ownPool = async (at = url) => {
    const handle = await openDatabase({ url: at, maxConnections: 10 });
    handles.push(handle);
    return handle;
  };
  const healthyNode = async (nodeId: string, at?: string) => {
    const worker = await testWorker(await ownPool(at), { nodeId });
    workers.push(worker);
    return worker;
  };
  const outputOf = async (id: string) =>
    (await eventsOf(database, id))
      .filter((e) => e.type === "output")
      .map((e) => String(e.data.text))
      .join("");

  it("a node frozen mid-transaction (SIGSTOP) holds up others' completions and submits only until the server ends its session, and no healthy node is blamed", async () => {
    const healthy = await healthyNode("healthy-1");
    const victim = await submit(database, ada, { agent_type: "test-echo-once", prompt: "sleep:1500; say:done" });
    await waitForState(database, victim, "RUNNING");
    // The frozen process locks the healthy node's task row, then is stopped where it stands.
    const holder = track(await spawnNodeProcess("tests/fakes/stall-holder.ts", [url, victim], { ready: "holding" }));
    holder.signal("SIGSTOP");
    const frozenAt = Date.now();

    const t0 = Date.now();
    const fresh = await submit(database, ada, { agent_type: "test-echo-once", prompt: "say:fresh" });
    expect(Date.now() - t0).toBeLessThan(STALL_BOUND_MS);

    const done = await waitForState(database, victim, "COMPLETED", STALL_BOUND_MS + 5_000);
    expect(Date.now() - frozenAt).toBeLessThan(STALL_BOUND_MS + 2_000);
    expect(done.claimedBy).toBe(healthy.nodeId);
    expect(done.errorCode).toBeNull();
    await waitForState(database, fresh, "COMPLETED");
    holder.signal("SIGCONT");
    expect(await outputOf(victim)).toContain("done");
  });

  it("a SIGSTOPped worker's tasks are recovered after the lease while the others keep submitting and finishing; when it wakes it writes nothing and keeps running", async () => {
    const frozen = track(await spawnWorkerNode(url, "frozen-worker", { leaseMs: LEASE, concurrency: 2 }));
    const strict = await submit(database, ada, { agent_type: "test-echo-once", prompt: "say:started; hang" });
    const resumable = await submit(database, ada, { prompt: "say:started; sleep:2000; say:finished" });
    await waitForState(database, strict, "RUNNING");
    await waitForState(database, resumable, "RUNNING");
    expect((await taskRow(database, strict)).claimedBy).toBe("frozen-worker");
    const healthy = await healthyNode("healthy-2");
    frozen.signal("SIGSTOP");
    const stoppedAt = Date.now();
    try {
      const during = await Promise.all([1, 2, 3].map((i) => submit(database, ada, { agent_type: "test-echo-once", prompt: `say:during ${i}` })));
      for (const id of during) {
        const row = await waitForState(database, id, "COMPLETED");
        expect(row.claimedBy).toBe(healthy.nodeId);
      }
      const failed = await waitForState(database, strict, "FAILED", LEASE * 4 + 10_000);
      expect(failed.errorCode).toBe("node_lost");
      expect(failed.error).toContain("frozen-worker");
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(LEASE - 500);
      const resumed = await waitForState(database, resumable, "COMPLETED", LEASE * 4 + 10_000);
      expect(resumed.claimedBy).toBe(healthy.nodeId);
    } finally {
      frozen.signal("SIGCONT");
    }
    // Awake again: it finds its claims gone and aborts without writing; the process survives.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(frozen.alive()).toBe(true);
    const after = await eventsOf(database, strict);
    expect(after.at(-1)).toMatchObject({ type: "state", state: "FAILED" });
    frozen.signal("SIGTERM");
    expect(await frozen.exited).toBe(0);
  });

  it("terminated database sessions (pg_terminate_backend, as a pgbouncer restart or failover does) never crash a worker and lose no output", async () => {
    const worker = track(await spawnWorkerNode(url, "terminated-worker", { leaseMs: LEASE, concurrency: 3, appName: "clawlink-terminated" }));
    const chunks = 60;
    const ids = await Promise.all(
      [1, 2, 3].map((n) => submit(database, ada, { agent_type: "test-echo-once", prompt: "x", context: { steps: [{ chunks, text: `t${n}.`, delay_ms: 40 }, { result: "ok" }] } })),
    );
    for (const id of ids) await waitForState(database, id, "RUNNING");
    let terminated = 0;
    for (let round = 0; round < 6; round++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const rows = await admin().unsafe(`select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'clawlink-terminated'`);
      terminated += rows.length;
    }
    expect(terminated).toBeGreaterThan(0);
    for (const id of ids) {
      const row = await waitForState(database, id, "COMPLETED", 40_000);
      expect(row.claimedBy).toBe("terminated-worker");
    }
    expect(worker.alive()).toBe(true);
    for (const [i, id] of ids.entries()) {
      // Each chunk is "t<n>.<k>" in order, none missing, none twice; no output_lost event either.
      const expected = Array.from({ length: chunks }, (_, k) => `t${i + 1}. ${k + 1}\n`).join("");
      expect(await outputOf(id)).toBe(expected);
      expect((await eventsOf(database, id)).some((e) => e.type === "output_lost")).toBe(false);
    }
    worker.signal("SIGTERM");
    expect(await worker.exited).toBe(0);
  });

  it("SIGTERM during runs: heartbeats go on through the drain, what finishes within it completes, only what still runs at its end fails node_stopped", async () => {
    const leaving = track(await spawnWorkerNode(url, "sigterm-worker", { leaseMs: LEASE, concurrency: 3, drainMs: LEASE * 2 + 3_000 }));
    const finishing = [
      await submit(database, ada, { agent_type: "test-echo-once", prompt: `sleep:${LEASE + 1_000}; say:one` }),
      await submit(database, ada, { agent_type: "test-echo-once", prompt: `sleep:${LEASE + 2_500}; say:two` }),
    ];
    const endless = await submit(database, ada, { agent_type: "test-echo-once", prompt: "hang" });
    for (const id of [...finishing, endless]) await waitForState(database, id, "RUNNING");
    expect((await taskRow(database, endless)).claimedBy).toBe("sigterm-worker");
    // Another node sweeps (and would claim) throughout the drain.
    await healthyNode("healthy-3");
    leaving.signal("SIGTERM");
    expect(await leaving.exited).toBe(0);
    for (const id of finishing) expect(await taskRow(database, id)).toMatchObject({ state: "COMPLETED", claimedBy: "sigterm-worker", attempt: 1 });
    expect(await taskRow(database, endless)).toMatchObject({ state: "FAILED", errorCode: "node_stopped" });
  });

  describe("a database outage (every node's TCP link to it cut, then restored)", () => {
    let proxy: TcpProxy;
    let web: DatabaseHandle;
    const { GET: health } = routeHandlers("/api/health");
    const { GET: listTasks } = routeHandlers("/api/runtime/tasks");

    beforeAll(async () => {
      proxy = await startTcpProxy(hostPortOf(url));
      // This process is a web node behind the same link: the API under test uses it.
      web = await ownPool(proxy.urlFor(url));
      setDatabase(web);
    });
    afterAll(async () => {
      setDatabase(database);
      await proxy.close();
    });

    it("longer than a lease: health and the API answer 503 meanwhile; afterwards every task completes, none failed or run twice", async () => {
      const token = (await apiTokenFor(db, ada.id)).token;
      const worker = track(await spawnWorkerNode(proxy.urlFor(url), "outage-worker", { leaseMs: LEASE, concurrency: 4 }));
      const webWorker = await testWorker(web, { nodeId: "outage-web", concurrency: 2 });
      workers.push(webWorker);
      const ids = [
        await submit(database, ada, { agent_type: "test-echo-once", prompt: `say:a; sleep:${LEASE * 3}; say:b` }),
        await submit(database, ada, { agent_type: "test-echo-once", prompt: `say:a; sleep:${LEASE * 3}; say:b` }),
        await submit(database, ada, { prompt: `say:a; sleep:${LEASE * 3}; say:b` }),
        await submit(database, ada, { agent_type: "test-echo-once", prompt: "x", context: { steps: [{ chunks: 150, text: "c", delay_ms: 40 }] } }),
      ];
      for (const id of ids) await waitForState(database, id, "RUNNING");
      expect((await health(new Request("http://node.test/api/health"))).status).toBe(200);

      proxy.cut();
      const cutAt = Date.now();
      await expect
        .poll(async () => (await health(new Request("http://node.test/api/health"))).status, { timeout: 10_000, interval: 200 })
        .toBe(503);
      const answer = await listTasks(bearerRequest(token, "http://node.test/api/runtime/tasks"));
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("5");
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("unavailable");
      // Hold the outage for two leases: every lease in the database has expired by the time it ends.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + LEASE * 2 - Date.now())));
      proxy.restore();

      await expect.poll(async () => (await health(new Request("http://node.test/api/health"))).status, { timeout: 20_000, interval: 200 }).toBe(200);
      for (const id of ids) {
        const row = await waitForState(database, id, "COMPLETED", 60_000);
        expect(row.attempt, `task ${id} ran again`).toBe(1);
        expect(row.errorCode).toBeNull();
      }
      expect(await outputOf(ids[3])).toBe(Array.from({ length: 150 }, (_, k) => `c ${k + 1}\n`).join(""));
      expect(worker.alive()).toBe(true);
      const events = await db.select({ type: executionEvents.type }).from(executionEvents).where(inArray(executionEvents.executionId, ids));
      expect(events.filter((e) => e.type === "output_lost")).toEqual([]);
      worker.signal("SIGTERM");
      await worker.exited;
    }, 120_000);
  });
});
