import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "../../lib/runtime";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit, taskRow, testWorker, waitForState } from "../support/engine";
import { seqsAfter, startWsServer, WsClient, type WsTestServer } from "../support/ws";

describe("WebSocket transport: operations and subscriptions", async () => {
  const database = await useTestDatabase();
  let node: WsTestServer;
  let worker: Worker;
  let ada: TestUser;
  let token: string;

  beforeAll(async () => {
    node = await startWsServer(database, { limits: { maxSubscriptions: 8 } });
    worker = await testWorker(database);
    ada = await createUser(database.db, { name: "Ada" });
    token = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    await node.stop();
    await worker.stop();
  });

  it("submit, state, task, tasks, agents, skills answer with the HTTP API's shapes", async () => {
    const { client } = await WsClient.open(node.url, token);
    const submitted = await client.request("submit", { agent_type: "test-echo", prompt: "say:over the socket" });
    expect(submitted).toMatchObject({ type: "result", op: "submit", data: { task_id: expect.any(String), state: "PENDING", agent_type: "test-echo", user_id: ada.id } });
    const taskId = submitted.data.task_id as string;
    await waitForState(database, taskId, "COMPLETED");
    expect((await client.request("state", { task_id: taskId })).data).toMatchObject({ task_id: taskId, state: "COMPLETED", success: true });
    expect((await client.request("task", { task_id: taskId })).data).toMatchObject({ task_id: taskId, prompt: "say:over the socket", pending_question: null });
    expect((await client.request("events", { task_id: taskId, after: 1 })).data.events[0]).toMatchObject({ seq: 2 });
    expect((await client.request("tasks", { state: "COMPLETED" })).data.tasks.map((t: { task_id: string }) => t.task_id)).toContain(taskId);
    expect((await client.request("agents")).data.agents.map((a: { agent_type: string }) => a.agent_type)).toContain("test-echo");
    expect((await client.request("skills")).data).toMatchObject({ skills: expect.any(Array) });
    client.close();
  });

  it("answer, cancel and retry act on the task like their HTTP routes", async () => {
    const { client } = await WsClient.open(node.url, token);
    const asking = await submit(database, ada, { prompt: "ask:Proceed?; say:done" });
    await waitForState(database, asking, "WAITING");
    expect(await client.request("answer", { task_id: asking })).toMatchObject({ type: "error", status: 422, error: { code: "validation_failed" } });
    expect(await client.request("answer", { task_id: asking, answer: "yes" })).toMatchObject({ type: "result", data: { task_id: asking, state: "RUNNING" } });
    await waitForState(database, asking, "COMPLETED");

    const hanging = await submit(database, ada, { prompt: "hang" });
    await waitForState(database, hanging, "RUNNING");
    expect(await client.request("cancel", { task_id: hanging })).toMatchObject({ type: "result", data: { task_id: hanging, state: "CANCELLED", cancel_requested: true } });
    expect(await client.request("cancel", { task_id: hanging })).toMatchObject({ type: "error", status: 409, error: { code: "invalid_state" } });
    const retried = await client.request("retry", { task_id: hanging });
    expect(retried).toMatchObject({ type: "result", data: { retry_of: hanging, state: "PENDING" } });
    await client.request("cancel", { task_id: retried.data.task_id });
    client.close();
  });

  it("many subscriptions on one socket: every event carries its task_id and seq, each task complete and in order", async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => submit(database, ada, { prompt: "x", context: { steps: [{ chunks: 8 + i, delay_ms: 10 }, { say: `task ${i}` }] } })));
    const { client } = await WsClient.open(node.url, token);
    for (const id of ids) expect(await client.request("subscribe", { task_id: id })).toMatchObject({ type: "result", op: "subscribe", data: { task_id: id, after: 0 } });
    for (const id of ids) {
      const events = await client.followToEnd(id);
      const { eventsCount } = await taskRow(database, id);
      expect(events.map((e) => e.seq)).toEqual(seqsAfter(0, eventsCount));
      expect(events.every((e) => e.event.seq === e.seq)).toBe(true);
      expect(events.at(-1)!.event).toMatchObject({ type: "state", state: "COMPLETED" });
      expect(client.frames.find((f) => f.type === "ended" && f.task_id === id)).toMatchObject({ reason: "finished", last_seq: eventsCount, state: "COMPLETED" });
    }
    // Subscriptions end with their task: the slots are free again.
    expect(await client.request("unsubscribe", { task_id: ids[0] })).toMatchObject({ type: "error", status: 404 });
    client.close();
  });

  it("resume with after on a new socket: the two sockets together saw every event exactly once", async () => {
    const id = await submit(database, ada, { prompt: "x", context: { steps: [{ chunks: 30, delay_ms: 20 }] } });
    const first = await WsClient.open(node.url, token);
    await first.client.request("subscribe", { task_id: id });
    await first.client.waitFor((f) => f.type === "event" && f.task_id === id && f.seq >= 6);
    first.client.close();
    await first.client.closed;
    const seen = first.client.events(id).map((e) => e.seq);
    const resumeAfter = seen.at(-1)!;

    const second = await WsClient.open(node.url, token);
    expect(await second.client.request("subscribe", { task_id: id, after: resumeAfter })).toMatchObject({ data: { after: resumeAfter } });
    const rest = (await second.client.followToEnd(id)).map((e) => e.seq);
    const { eventsCount } = await taskRow(database, id);
    expect([...seen, ...rest]).toEqual(seqsAfter(0, eventsCount));
    second.client.close();
  });

  it("a finished task's subscription replays the log and ends; after = the last seq ends at once", async () => {
    const id = await submit(database, ada, { prompt: "say:short" });
    await waitForState(database, id, "COMPLETED");
    const { eventsCount } = await taskRow(database, id);
    const { client } = await WsClient.open(node.url, token);
    await client.request("subscribe", { task_id: id });
    expect((await client.followToEnd(id)).map((e) => e.seq)).toEqual(seqsAfter(0, eventsCount));
    client.frames.length = 0;
    expect(await client.request("subscribe", { task_id: id, after: eventsCount })).toMatchObject({ data: { state: "COMPLETED", events_count: eventsCount } });
    expect(await client.waitFor((f) => f.type === "ended")).toMatchObject({ task_id: id, last_seq: eventsCount });
    expect(client.events(id)).toEqual([]);
    client.close();
  });

  it("unsubscribe stops the events; a second subscription to one task and the per-socket limit are refused", async () => {
    const ids = await Promise.all(Array.from({ length: 9 }, () => submit(database, ada, { prompt: "hang" })));
    const { client } = await WsClient.open(node.url, token);
    expect(await client.request("subscribe", { task_id: ids[0] })).toMatchObject({ type: "result" });
    expect(await client.request("subscribe", { task_id: ids[0] })).toMatchObject({ type: "error", status: 409, error: { code: "conflict" } });
    for (const id of ids.slice(1, 8)) expect(await client.request("subscribe", { task_id: id })).toMatchObject({ type: "result" });
    expect(await client.request("subscribe", { task_id: ids[8] })).toMatchObject({ type: "error", status: 429, error: { code: "rate_limited", details: { limit: 8 } } });
    expect(await client.request("unsubscribe", { task_id: ids[0] })).toMatchObject({ type: "result", data: { unsubscribed: true } });
    expect(await client.request("subscribe", { task_id: ids[8] })).toMatchObject({ type: "result" });

    const before = client.events(ids[0]).length;
    await client.request("cancel", { task_id: ids[0] });
    await client.request("cancel", { task_id: ids[8] });
    await client.waitFor((f) => f.type === "ended" && f.task_id === ids[8]);
    expect(client.events(ids[0]).length).toBe(before);
    for (const id of ids.slice(1, 8)) await client.request("cancel", { task_id: id });
    client.close();
  });
});
