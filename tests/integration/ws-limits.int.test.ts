import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvents } from "../../lib/engine/event-log";
import { CLOSE } from "../../lib/transport/ws";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";
import { startWsServer, WsClient, type WsTestServer } from "../support/ws";

const KIB = 1024;

describe("WebSocket transport: heartbeats, backpressure, malformed frames, limits", async () => {
  const database = await useTestDatabase();
  let node: WsTestServer;
  let beating: WsTestServer;
  let ada: TestUser;
  let token: string;

  beforeAll(async () => {
    node = await startWsServer(database, {
      limits: {
        maxFrameBytes: 64 * KIB,
        hardMaxFrameBytes: 256 * KIB,
        highWaterBytes: 64 * KIB,
        // Generous: the reading client shares a loaded machine; the paused one never reads at all.
        slowConsumerMs: 10_000,
        // Long enough for the paused client to read its close frame once it resumes.
        closeGraceMs: 60_000,
        requestsPerSecond: 5,
        requestBurst: 10,
      },
    });
    // Client and server share one loaded event loop here: a pong may take a while.
    beating = await startWsServer(database, { limits: { heartbeatMs: 2_000 } });
    ada = await createUser(database.db, { name: "Ada" });
    token = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    await node.stop();
    await beating.stop();
  });

  it("pings every heartbeat: a client that answers stays; one that does not is dropped", { timeout: 60_000 }, async () => {
    const { client: live } = await WsClient.open(beating.url, token);
    const { client: silent } = await WsClient.open(beating.url, token, { autoPong: false });
    let pings = 0;
    live.socket.on("ping", () => pings++);
    const dropped = await silent.closed;
    expect(dropped.code).toBe(1006);
    await expect.poll(() => pings, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    live.send({ type: "ping", id: "still-there" });
    expect(await live.waitFor((f) => f.type === "pong")).toEqual({ type: "pong", id: "still-there" });
    live.close();
  });

  it("a consumer that stops reading is closed with 4004 while another on the same task gets everything", async () => {
    const taskId = await submit(database, ada, { prompt: "say:big" });
    const chunk = "x".repeat(64 * KIB);
    // About 20 MB of output: more than the kernel's socket buffers hold for a client that does not read.
    for (let batch = 0; batch < 6; batch++) {
      await database.db.transaction((tx) => appendEvents(tx, taskId, Array.from({ length: 50 }, () => ({ type: "output", data: { text: chunk } }))));
    }
    const last = 1 + 300;

    const { client: slow } = await WsClient.open(node.url, token);
    slow.send({ type: "subscribe", id: "s", task_id: taskId });
    slow.socket.pause();
    const { client: fast } = await WsClient.open(node.url, token);
    await fast.request("subscribe", { task_id: taskId });
    await fast.waitFor((f) => f.type === "event" && f.seq === last, 120_000);
    expect(fast.events(taskId).map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));

    await expect.poll(() => node.transport.stats()["/api/runtime/ws"].closedByServer[CLOSE.slowConsumer] ?? 0, { timeout: 60_000 }).toBe(1);
    expect(await fast.request("state", { task_id: taskId })).toMatchObject({ type: "result", data: { events_count: last } });
    slow.socket.resume();
    expect((await slow.closed).code).toBe(CLOSE.slowConsumer);
    expect(slow.events(taskId).length).toBeLessThan(last);
    fast.close();
  }, 240_000);

  it("malformed frames get error frames, oversized ones too; the node keeps serving", async () => {
    const { client } = await WsClient.open(node.url, token);
    client.send("this is not JSON");
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ id: null, status: 400, error: { code: "bad_request", message: "The frame is not valid JSON" } });
    const cases: [unknown, object][] = [
      ["[1, 2, 3]", { id: null, status: 400 }],
      [Buffer.from([0xde, 0xad]), { id: null, status: 400, error: { message: expect.stringContaining("Binary") } }],
      [{ id: "no-type" }, { id: "no-type", status: 400 }],
      [{ type: "bogus", id: 7 }, { id: 7, status: 400, error: { details: { operations: expect.arrayContaining(["submit", "subscribe"]) } } }],
      // A task_id is a path parameter over HTTP: 400, like a bad URL; a bad body field is 422.
      [{ type: "state", id: "v" }, { id: "v", status: 400, error: { code: "bad_request", details: { issues: [expect.objectContaining({ path: "task_id" })] } } }],
      [{ type: "state", id: "u", task_id: "not-a-uuid" }, { id: "u", status: 400 }],
      [{ type: "submit", id: "w", agent_type: "test-echo" }, { id: "w", status: 422, error: { code: "validation_failed", details: { issues: [expect.objectContaining({ path: "prompt" })] } } }],
      [JSON.stringify({ type: "submit", id: "big", agent_type: "test-echo", prompt: "p".repeat(100 * KIB) }), { id: null, status: 413, error: { code: "payload_too_large" } }],
    ];
    for (const [frame, expected] of cases) {
      client.frames.length = 0;
      client.send(frame);
      expect(await client.waitFor((f) => f.type === "error"), JSON.stringify(frame).slice(0, 60)).toMatchObject(expected);
    }
    client.close();
    await client.closed;

    const garbage = await WsClient.connect(node.url, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 10; i++) garbage.send(`garbage ${i}`);
    expect((await garbage.closed).code).toBe(CLOSE.protocolError);

    const huge = await WsClient.connect(node.url, { headers: { authorization: `Bearer ${token}` } });
    huge.send("y".repeat(300 * KIB));
    expect((await huge.closed).code).toBe(CLOSE.tooBig);

    const { client: after } = await WsClient.open(node.url, token);
    expect(await after.request("tasks")).toMatchObject({ type: "result" });
    after.close();
  });

  it("the request rate is limited per connection; a client that ignores it is closed 4005", async () => {
    const { client } = await WsClient.open(node.url, token);
    for (let i = 0; i < 15; i++) client.send({ type: "ping", id: i });
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ status: 429, error: { code: "rate_limited", details: { retry_after_ms: expect.any(Number) } } });
    expect(client.frames.filter((f) => f.type === "pong").length).toBeGreaterThanOrEqual(9);
    for (let i = 0; i < 50; i++) client.send({ type: "ping", id: i });
    expect((await client.closed).code).toBe(CLOSE.rateLimited);
  });

  it("the permission is checked before the input, as on HTTP: a VIEWER learns nothing about submit's schema", async () => {
    const viewer = await createUser(database.db, { name: "Vera", role: "VIEWER" });
    const { client } = await WsClient.open(node.url, (await apiTokenFor(database.db, viewer.id)).token);
    expect(await client.request("submit", { nonsense: true })).toMatchObject({ type: "error", status: 403, error: { code: "forbidden", details: { permission: "task:submit" } } });
    client.close();
    const { client: developer } = await WsClient.open(node.url, token);
    expect(await developer.request("submit", { nonsense: true })).toMatchObject({ type: "error", status: 422 });
    developer.close();
  });
});
