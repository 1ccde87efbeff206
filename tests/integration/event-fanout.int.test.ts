import http from "node:http";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../../lib/db/schema";
import { CHANNELS } from "../../lib/engine/channels";
import { EventHub, type Following } from "../../lib/engine/event-hub";
import { appendEvents, readEvents } from "../../lib/engine/event-log";
import type { Worker } from "../../lib/runtime";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, submit, taskRow, testWorker } from "../support/engine";
import { startRouteNode, type RouteNode } from "../support/route-node";
import { WsClient } from "../support/ws";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("event fan-out", async () => {
  const database = await useTestDatabase();

describe("one read of the log per batch, the same rows to every follower", () => {
  let ada: TestUser;
  let hub: EventHub;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    // Its own hub, with the fallback poll out of the way: every read here is caused by a NOTIFY or a follow.
    hub = new EventHub(database, 600_000);
  });
  afterAll(async () => {
    await hub.close();
  });

  const append = (taskId: string, count: number) =>
    database.db.transaction((tx) => appendEvents(tx, taskId, Array.from({ length: count }, (_, i) => ({ type: "output", data: { text: `line ${i}` } }))));

  function follower(taskId: string, after: number) {
    const batches: (readonly ExecutionEvent[])[] = [];
    const following: Following = hub.follow(taskId, after, { events: (rows) => void batches.push(rows) });
    return { following, batches, seqs: () => batches.flat().map((r) => r.seq), last: () => following.cursor };
  }

  it("a hundred followers at one point: one read per NOTIFY, the same array to each, in order", async () => {
    const taskId = await submit(database, ada, { prompt: "x" });
    const start = (await taskRow(database, taskId)).eventsCount;
    const followers = Array.from({ length: 100 }, () => follower(taskId, start));
    const first = (await append(taskId, 1))!;
    await expect.poll(() => followers.every((f) => f.last() === first), POLL).toBe(true);

    const reads = hub.stats().reads;
    const last = (await append(taskId, 3))!;
    await expect.poll(() => followers.every((f) => f.last() === last), POLL).toBe(true);
    expect(hub.stats().reads - reads).toBe(1);
    const batch = followers[0]!.batches.at(-1)!;
    expect(batch.map((r) => r.seq)).toEqual(range(first + 1, last));
    for (const f of followers) {
      expect(f.batches.at(-1)).toBe(batch);
      expect(f.seqs()).toEqual(range(start + 1, last));
    }
    for (const f of followers) f.following.close();
    expect(hub.stats().subscribers).toBe(0);
  });

  describe("rows this process writes on their own are handed to its hub, never out of order", () => {
    // A hub that hears no NOTIFY: whatever it delivers came from the handoff (or, below, its poll).
    const deafHub = (pollMs: number) => new EventHub({ ...database, listen: async () => async () => {} }, pollMs);
    const followOn = async (deaf: EventHub, taskId: string, after: number) => {
      const batches: (readonly ExecutionEvent[])[] = [];
      const following = deaf.follow(taskId, after, { events: (rows) => void batches.push(rows) });
      await expect.poll(() => deaf.stats().subscribers, POLL).toBe(1);
      return { batches, following };
    };

    it("a write on its own reaches the followers without a read: the log's own rows, in order", async () => {
      const deaf = deafHub(600_000);
      try {
        const taskId = await submit(database, ada, { prompt: "x" });
        const start = (await taskRow(database, taskId)).eventsCount;
        const { batches, following } = await followOn(deaf, taskId, start);
        await expect.poll(() => deaf.stats().reads, POLL).toBe(1); // the join's read
        let last = 0;
        for (let i = 0; i < 4; i++) last = (await appendEvents(database.db, taskId, [{ type: "output", data: { text: `own ${i}` } }], { states: ["PENDING"] }))!;
        await expect.poll(() => following.cursor, POLL).toBe(last);
        expect(deaf.stats()).toMatchObject({ reads: 1, handedOff: 4 });
        expect(batches.flat()).toEqual(await readEvents(database.db, taskId, { after: start }));
      } finally {
        await deaf.close();
      }
    });

    it("nothing from a transaction (it may roll back), and a write past rows the hub has not read waits for the read", async () => {
      const deaf = deafHub(300);
      try {
        const taskId = await submit(database, ada, { prompt: "x" });
        const start = (await taskRow(database, taskId)).eventsCount;
        const { batches, following } = await followOn(deaf, taskId, start);
        await database.db
          .transaction(async (tx) => {
            await appendEvents(tx, taskId, [{ type: "output", data: { text: "rolled back" } }]);
            throw new Error("roll back");
          })
          .catch(() => {});
        await append(taskId, 1); // committed in a transaction: not handed off
        const last = (await appendEvents(database.db, taskId, [{ type: "output", data: { text: "after a gap" } }]))!;
        expect(last).toBe(start + 2);
        expect(deaf.stats().handedOff).toBe(0);
        expect(following.cursor).toBe(start);
        // The poll's read delivers both, in order; nothing of the rolled-back write.
        await expect.poll(() => following.cursor, POLL).toBe(last);
        expect(batches.flat().map((r) => [r.seq, r.data.text])).toEqual([
          [start + 1, "line 0"],
          [start + 2, "after a gap"],
        ]);
      } finally {
        await deaf.close();
      }
    });
  });

  it("a NOTIFY for rows already read costs no read", async () => {
    const taskId = await submit(database, ada, { prompt: "x" });
    const f = follower(taskId, 0);
    const seen = (await append(taskId, 2))!;
    await expect.poll(() => f.last(), POLL).toBe(seen);
    const reads = hub.stats().reads;
    // Stale notices (the poll, a duplicate), then a real one: notifications arrive in order.
    for (let i = 0; i < 3; i++) await database.db.execute(sql`select pg_notify(${CHANNELS.events}, ${`${taskId}:${seen}`})`);
    const next = (await append(taskId, 1))!;
    await expect.poll(() => f.last(), POLL).toBe(next);
    expect(hub.stats().reads - reads).toBe(1);
    f.following.close();
  });

  it("late joiners and a paused follower catch up from the log, in order, without gaps or repeats", async () => {
    const taskId = await submit(database, ada, { prompt: "x" });
    const live = follower(taskId, 0);
    const paused = follower(taskId, 0);
    let last = (await append(taskId, 5))!;
    await expect.poll(() => live.last() === last && paused.last() === last, POLL).toBe(true);

    paused.following.pause();
    last = (await append(taskId, 4))!;
    await expect.poll(() => live.last(), POLL).toBe(last);
    const whilePaused = paused.last();
    // Late joiners, at different points behind the live ones.
    const late = [0, 2, 7].map((after) => follower(taskId, after));
    await expect.poll(() => late.every((f) => f.last() === last), POLL).toBe(true);
    expect(paused.last()).toBe(whilePaused);

    paused.following.resume();
    await expect.poll(() => paused.last(), POLL).toBe(last);
    last = (await append(taskId, 2))!;
    await expect.poll(() => [live, paused, ...late].every((f) => f.last() === last), POLL).toBe(true);
    expect(live.seqs()).toEqual(range(1, last));
    expect(paused.seqs()).toEqual(range(1, last));
    [0, 2, 7].forEach((after, i) => expect(late[i]!.seqs()).toEqual(range(after + 1, last)));
    for (const f of [live, paused, ...late]) f.following.close();
  });

  it("a follower that takes only part of a batch (pause with `through`) gets the rest from the log after resume", async () => {
    const taskId = await submit(database, ada, { prompt: "x" });
    const start = (await taskRow(database, taskId)).eventsCount;
    const seen: number[] = [];
    let cut = false;
    const following: Following = hub.follow(taskId, start, {
      events: (rows) => {
        for (const row of rows) {
          seen.push(row.seq);
          if (!cut && row.seq === start + 2) {
            cut = true;
            following.pause(row.seq);
            return;
          }
        }
      },
    });
    const last = (await append(taskId, 5))!;
    await expect.poll(() => cut, POLL).toBe(true);
    expect(following.cursor).toBe(start + 2);
    following.resume();
    await expect.poll(() => following.cursor, POLL).toBe(last);
    expect(seen).toEqual(range(start + 1, last));
    following.close();
  });

  it("a follower whose consumer throws is dropped; the others go on", async () => {
    const taskId = await submit(database, ada, { prompt: "x" });
    let ended = false;
    hub.follow(taskId, 0, {
      events: () => {
        throw new Error("broken consumer");
      },
      ended: () => (ended = true),
    });
    const good = follower(taskId, 0);
    const last = (await append(taskId, 2))!;
    await expect.poll(() => good.last(), POLL).toBe(last);
    expect(ended).toBe(true);
    good.following.close();
    expect(hub.stats().subscribers).toBe(0);
  });
});

describe("over the node's transports: many SSE and WebSocket watchers, complete ordered logs", () => {
  let node: RouteNode;
  let worker: Worker;
  let ada: TestUser;
  let token: string;

  beforeAll(async () => {
    node = await startRouteNode({ ws: database });
    worker = await testWorker(database);
    ada = await createUser(database.db, { name: "Ada" });
    token = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    await node.close();
    await worker.stop();
  });

  function sseWatcher(taskId: string, after: number): Promise<{ seqs: number[]; states: (string | null)[] }> {
    return new Promise((resolve, reject) => {
      const seqs: number[] = [];
      const states: (string | null)[] = [];
      let buffer = "";
      const req = http.get(`${node.url}/api/runtime/tasks/${taskId}/stream?after=${after}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split("\n").find((l) => l.startsWith("data: "));
            if (!data) continue;
            const event = JSON.parse(data.slice(6)) as { seq: number; state: string | null };
            seqs.push(event.seq);
            states.push(event.state);
          }
        });
        res.on("end", () => resolve({ seqs, states }));
      });
      req.on("error", reject);
    });
  }

  it("thirty SSE watchers and thirty WebSocket subscribers, joining at different points, each get the whole rest of the log in order", async () => {
    const taskId = await submit(database, ada, { prompt: "x", context: { steps: [{ chunks: 25, delay_ms: 20 }] } });
    const sse = Array.from({ length: 30 }, (_, i) => sseWatcher(taskId, i % 4));
    const sockets = await Promise.all(Array.from({ length: 30 }, () => WsClient.open(node.wsUrl!, token)));
    await Promise.all(sockets.map(({ client }, i) => client.request("subscribe", { task_id: taskId, after: i % 4 })));
    const ended = await Promise.all(sockets.map(({ client }) => client.waitFor((f) => f.type === "ended", 60_000)));
    const done = await taskRow(database, taskId);
    expect(done.state).toBe("COMPLETED");
    for (const [i, { seqs, states }] of (await Promise.all(sse)).entries()) {
      expect(seqs).toEqual(range((i % 4) + 1, done.eventsCount));
      expect(states.at(-1)).toBe("COMPLETED");
    }
    sockets.forEach(({ client }, i) => {
      expect(client.events(taskId).map((e) => e.seq)).toEqual(range((i % 4) + 1, done.eventsCount));
      expect(ended[i]).toMatchObject({ type: "ended", reason: "finished", last_seq: done.eventsCount, state: "COMPLETED" });
      client.close();
    });
  }, 120_000);
});
});
