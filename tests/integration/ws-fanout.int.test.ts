import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventHubFor } from "../../lib/engine/event-hub";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { seqsAfter, startWsServer, WsClient, type WsTestServer } from "../support/ws";

const SUBSCRIBERS = 1_000;
const WAVE = 100;

describe("WebSocket transport: 1,000 subscribers on one task", async () => {
  const database = await useTestDatabase();
  let node: WsTestServer;
  let worker: Worker;
  let ada: TestUser;
  let token: string;

  beforeAll(async () => {
    node = await startWsServer(database);
    worker = await testWorker(database);
    ada = await createUser(database.db, { name: "Ada" });
    token = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    await node.stop();
    await worker.stop();
  });

  it("every socket gets the whole log, in order, exactly once, and its subscription ends with the task", async () => {
    const id = await submit(database, ada, { prompt: "x", context: { steps: [{ ask: "start?" }, { chunks: 20, delay_ms: 20 }, { say: "done" }] } });
    const parked = await waitForState(database, id, "WAITING");
    const clients: WsClient[] = [];
    for (let opened = 0; opened < SUBSCRIBERS; opened += WAVE) {
      const wave = await Promise.all(
        Array.from({ length: WAVE }, async () => {
          const { client } = await WsClient.open(node.url, token);
          await client.request("subscribe", { task_id: id });
          return client;
        }),
      );
      clients.push(...wave);
    }
    expect(node.transport.stats()["/api/runtime/ws"].connections).toBe(SUBSCRIBERS);
    // One hub feed for the task, however many sockets follow it.
    expect(eventHubFor(database).stats()).toMatchObject({ tasks: 1, subscribers: SUBSCRIBERS });
    await Promise.all(clients.map((c) => c.waitFor((f) => f.type === "event" && f.seq === parked.eventsCount, 300_000)));

    await runtimeFor(database).provideInput(contextFor(ada), id, { answer: "go" });
    await waitForState(database, id, "COMPLETED");
    const { eventsCount } = await taskRow(database, id);
    const expected = seqsAfter(0, eventsCount);
    for (const client of clients) {
      const seqs = (await client.followToEnd(id, 300_000)).map((e) => e.seq);
      expect(seqs).toEqual(expected);
    }
    for (const client of clients) client.close();
    await Promise.all(clients.map((c) => c.closed));
    await expect.poll(() => node.transport.stats()["/api/runtime/ws"].connections).toBe(0);
  }, 900_000);
});
