import { and, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { executions } from "../../lib/db/schema";
import { claimTasks } from "../../lib/engine/queue";
import { resetEnv } from "../../lib/env";
import { runtimeFor } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, testWorker, waitForState } from "../support/engine";

/** Tasks of `user` that hold a worker slot (PLANNING or RUNNING). */
async function inFlight(handle: DatabaseHandle, ids: string[]): Promise<number> {
  const [row] = await handle.db
    .select({ n: count() })
    .from(executions)
    .where(and(inArray(executions.id, ids), inArray(executions.state, ["PLANNING", "RUNNING"])));
  return row.n;
}

describe("engine: per-user running limits keep workers fair", async () => {
  const database = await useTestDatabase();
  let hog: TestUser;
  let other: TestUser;
  let admin: TestUser;
  const saved = process.env.RUNNING_TASKS_PER_USER;

  beforeAll(async () => {
    process.env.RUNNING_TASKS_PER_USER = "DEVELOPER=2,ADMIN=3";
    resetEnv();
    hog = await createUser(database.db, { name: "Hog", role: "DEVELOPER" });
    other = await createUser(database.db, { name: "Other", role: "DEVELOPER" });
    admin = await createUser(database.db, { name: "Root", role: "ADMIN" });
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RUNNING_TASKS_PER_USER;
    else process.env.RUNNING_TASKS_PER_USER = saved;
    resetEnv();
  });

  it("one developer's hanging tasks take at most their limit; another user's task runs at once", async () => {
    const worker = await testWorker(database, { concurrency: 4 });
    const hogIds: string[] = [];
    try {
      for (let i = 0; i < 4; i++) hogIds.push(await submit(database, hog, { prompt: "hang" }));
      await waitForState(database, hogIds[0]!, "RUNNING");
      await waitForState(database, hogIds[1]!, "RUNNING");

      const theirs = await submit(database, other, { prompt: "say:my turn" });
      await waitForState(database, theirs, "COMPLETED");
      expect(await inFlight(database, hogIds)).toBe(2);
      const pending = await database.db.select({ n: count() }).from(executions).where(and(inArray(executions.id, hogIds), eq(executions.state, "PENDING")));
      expect(pending[0]!.n).toBe(2);

      // A slot of the hog's frees up: the next of their tasks takes it, never more than two at once.
      await runtimeFor(database).cancelTask(contextFor(hog), hogIds[0]!);
      await waitForState(database, hogIds[0]!, "CANCELLED");
      await waitForState(database, hogIds[2]!, "RUNNING");
      expect(await inFlight(database, hogIds)).toBe(2);
    } finally {
      for (const id of hogIds) await runtimeFor(database).cancelTask(contextFor(hog), id).catch(() => undefined);
      await worker.stop();
    }
  });

  it("the limit holds when many claimers race for one user's queue", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await submit(database, admin, { prompt: `queued ${i}` }));
    // On PostgreSQL each claimer has its own pool, as separate nodes would.
    const handles: DatabaseHandle[] = [];
    for (let i = 0; i < 4; i++) handles.push(database.reopen ? await database.reopen() : database);
    try {
      const claims = await Promise.all(
        handles.flatMap((h, i) => [0, 1].map((j) => claimTasks(h.db, { nodeId: `racer-${i}-${j}`, limit: 4, leaseMs: 60_000 }))),
      );
      expect(claims.flat()).toHaveLength(3);
      expect(await inFlight(database, ids)).toBe(3);
    } finally {
      for (const h of handles) if (h !== database) await h.close();
    }
  });

  it("a deep queue: each claim takes the oldest tasks of every user with work waiting, however many wait", async () => {
    const third = await createUser(database.db, { name: "Third", role: "DEVELOPER" });
    const fourth = await createUser(database.db, { name: "Fourth", role: "DEVELOPER" });
    const deep: string[] = [];
    for (let i = 0; i < 60; i++) deep.push(await submit(database, third, { prompt: `deep ${i}` }));
    const late = await submit(database, fourth, { prompt: "after all of them" });
    // Slot 1 of each user first, then slot 2; never past the limit of 2 (claims come back oldest first).
    const first = await claimTasks(database.db, { nodeId: "deep-1", limit: 3, leaseMs: 60_000 });
    expect(first.map((c) => c.id)).toEqual([deep[0], deep[1], late]);
    const second = await claimTasks(database.db, { nodeId: "deep-2", limit: 3, leaseMs: 60_000 });
    expect(second).toEqual([]);
    // One finishes: the next claim takes that user's next oldest, not any later one.
    await database.db.update(executions).set({ state: "COMPLETED" }).where(eq(executions.id, deep[0]!));
    const third_ = await claimTasks(database.db, { nodeId: "deep-3", limit: 3, leaseMs: 60_000 });
    expect(third_.map((c) => c.id)).toEqual([deep[2]]);
    await database.db.update(executions).set({ state: "CANCELLED" }).where(inArray(executions.id, deep));
  });

  it("waiting tasks do not count against the limit", async () => {
    const worker = await testWorker(database, { concurrency: 4 });
    const asking: string[] = [];
    try {
      for (let i = 0; i < 2; i++) asking.push(await submit(database, other, { prompt: "ask:Which branch?" }));
      for (const id of asking) await waitForState(database, id, "WAITING");
      const next = await submit(database, other, { prompt: "say:still mine" });
      await waitForState(database, next, "COMPLETED");
    } finally {
      for (const id of asking) await runtimeFor(database).cancelTask(contextFor(other), id).catch(() => undefined);
      await worker.stop();
    }
  });
});
