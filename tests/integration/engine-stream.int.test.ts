import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { runtimeFor, type Worker } from "../../lib/runtime";
import type { TaskEventDto } from "../../lib/runtime/schemas";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, submit, taskRow, testWorker, waitForState } from "../support/engine";

describe("engine: event fan-out and graceful stop", async () => {
  const database = await useTestDatabase();
  let ada: TestUser;
  let other: DatabaseHandle;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    // On Postgres the worker is "another node": its own pool, events reach us only by NOTIFY.
    other = database.reopen ? await database.reopen() : database;
  });
  afterAll(async () => {
    if (other !== database) await other.close();
  });

  it("fifty watchers on this node follow a task run by another node, each in order and complete", async () => {
    const worker = await testWorker(other, { nodeId: "runner" });
    try {
      const id = await submit(database, ada, { prompt: "x", context: { steps: [{ chunks: 30, delay_ms: 15 }, { progress: "half", percent: 50 }, { chunks: 10, delay_ms: 5 }] } });
      const runtime = runtimeFor(database);
      const watchers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const events = await runtime.streamTaskUpdates(contextFor(ada), id, { after: i % 3 });
          const seen: TaskEventDto[] = [];
          for await (const event of events) seen.push(event);
          return { after: i % 3, seen };
        }),
      );
      const done = await taskRow(database, id);
      expect(done.state).toBe("COMPLETED");
      for (const { after, seen } of watchers) {
        expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: done.eventsCount - after }, (_, k) => k + after + 1));
        expect(seen.at(-1)).toMatchObject({ type: "state", state: "COMPLETED" });
      }
      const text = watchers[0].seen.filter((e) => e.type === "output").map((e) => e.data.text).join("");
      expect(text).toContain("chunk 30\n");
    } finally {
      await worker.stop();
    }
  }, 90_000);

  it("a watcher that stops early is released (abort signal)", async () => {
    const worker = await testWorker(other, { nodeId: "runner-2" });
    try {
      const id = await submit(database, ada, { prompt: "say:hello; hang" });
      const stop = new AbortController();
      const events = await runtimeFor(database).streamTaskUpdates(contextFor(ada), id, { signal: stop.signal });
      const seen: TaskEventDto[] = [];
      const reading = (async () => {
        for await (const event of events) {
          seen.push(event);
          if (event.type === "output") stop.abort();
        }
      })();
      await reading;
      expect(seen.at(-1)?.type).toBe("output");
      await runtimeFor(database).cancelTask(contextFor(ada), id);
    } finally {
      await worker.stop();
    }
  });

  it("a cancel and an answer given on this node reach the worker on the other node", async () => {
    const worker = await testWorker(other, { nodeId: "remote", waitTimeoutMs: 60_000 });
    try {
      const runtime = runtimeFor(database);
      const hanging = await submit(database, ada, { prompt: "hang" });
      const asking = await submit(database, ada, { prompt: "ask:Go?; say:went" });
      await waitForState(database, hanging, "RUNNING");
      await waitForState(database, asking, "WAITING");
      await runtime.cancelTask(contextFor(ada), hanging, { waitMs: 0 });
      await runtime.provideInput(contextFor(ada), asking, { answer: "go" });
      expect(await waitForState(database, hanging, "CANCELLED")).toMatchObject({ claimedBy: "remote", attempt: 1 });
      expect(await waitForState(database, asking, "COMPLETED")).toMatchObject({ claimedBy: "remote", attempt: 1 });
      await expect.poll(() => worker.engine.runningTaskIds(), POLL).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it("graceful stop: a resumable task is handed back and resumed elsewhere; a non-resumable one fails node_stopped", async () => {
    const leaving = await testWorker(database, { nodeId: "leaving" });
    const resumable = await submit(database, ada, { prompt: "say:first; sleep:400; say:second" });
    const strict = await submit(database, ada, { agent_type: "test-echo-once", prompt: "hang" });
    await waitForState(database, resumable, "RUNNING");
    await waitForState(database, strict, "RUNNING");
    await leaving.stop();
    const released = await taskRow(database, resumable);
    expect(released).toMatchObject({ state: "RUNNING", claimedBy: null, leaseExpiresAt: null });
    const stopped = await taskRow(database, strict);
    expect(stopped).toMatchObject({ state: "FAILED", errorCode: "node_stopped" });

    const next: Worker = await testWorker(database, { nodeId: "next" });
    try {
      const done = await waitForState(database, resumable, "COMPLETED");
      expect(done).toMatchObject({ claimedBy: "next", attempt: 2 });
    } finally {
      await next.stop();
    }
  });
});
