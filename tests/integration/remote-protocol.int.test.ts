import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { executionEvents, remoteNodes } from "../../lib/db/schema";
import { generateNodeKeyPair, signChallenge, type NodeKeyPair } from "../../lib/remote/keys";
import { CLAWLINK_WS_PATH } from "../../lib/remote/protocol";
import { apiTokenFor, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, taskRow, waitForState } from "../support/engine";
import { startNode, startPortal, type TestNode, type TestPortal } from "../support/remote";
import { WsClient, type Frame } from "../support/ws";

/** Forged, replayed, malformed and unauthorised frames: each closes the connection and writes nothing. */
describe("clawlink v1 refuses what it should", async () => {
  const database = await useTestDatabase();
  let portal: TestPortal;
  let wsUrl: string;
  let adminToken: string;
  let adaToken: string;
  let bobToken: string;
  const nodes: TestNode[] = [];

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${portal.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const hello = (keys: NodeKeyPair, name: string, extra: object = {}) => ({ type: "hello", protocol: 1, node: { name, public_key: keys.publicKey, version: "t", labels: [], concurrency: 1 }, ...extra });
  const nodeCount = async () => (await database.db.select().from(remoteNodes)).length;
  /** A raw protocol client that completes the handshake with these keys. */
  const handshake = async (keys: NodeKeyPair, name: string): Promise<{ client: WsClient; welcome: Frame }> => {
    const client = await WsClient.connect(wsUrl);
    client.send(hello(keys, name));
    const challenge = await client.waitFor((f) => f.type === "challenge");
    client.send({ type: "auth", signature: signChallenge(keys, challenge.nonce) });
    return { client, welcome: await client.waitFor((f) => f.type === "welcome") };
  };

  beforeAll(async () => {
    portal = await startPortal(database);
    wsUrl = `${portal.url.replace(/^http/, "ws")}${CLAWLINK_WS_PATH}`;
    const admin = await createUser(database.db, { name: "Admin", role: "ADMIN" });
    adminToken = (await apiTokenFor(database.db, admin.id)).token;
    adaToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Ada" })).id)).token;
    bobToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Bob" })).id)).token;
  });
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await portal.close();
  });

  it("a signature made with another key is refused (4001) and registers nothing", async () => {
    const victim = generateNodeKeyPair();
    const forger = generateNodeKeyPair();
    const client = await WsClient.connect(wsUrl);
    client.send(hello(victim, "forged"));
    const challenge = await client.waitFor((f) => f.type === "challenge");
    client.send({ type: "auth", signature: signChallenge(forger, challenge.nonce) });
    expect((await client.closed).code).toBe(4001);
    expect(await nodeCount()).toBe(0);
  });

  it("a signature replayed from an earlier connection does not answer a new challenge", async () => {
    const keys = generateNodeKeyPair();
    const { client: first, welcome } = await handshake(keys, "replayed");
    expect(welcome).toMatchObject({ status: "pending" });
    const oldSignature = signChallenge(keys, first.frames.find((f) => f.type === "challenge")!.nonce);
    first.close();
    const second = await WsClient.connect(wsUrl);
    second.send(hello(keys, "replayed"));
    await second.waitFor((f) => f.type === "challenge");
    second.send({ type: "auth", signature: oldSignature });
    expect((await second.closed).code).toBe(4001);
  });

  it("malformed frames, unknown types, skipped handshakes and old protocol versions close with 4000", async () => {
    const before = await nodeCount();
    for (const frame of ["not json", JSON.stringify({ type: "run_anything", method: "exec" }), JSON.stringify({ type: "auth", signature: "x" }), JSON.stringify({ ...hello(generateNodeKeyPair(), "old"), protocol: 0 }), JSON.stringify({ type: "hello", protocol: 1, node: { name: "../etc" } })]) {
      const client = await WsClient.connect(wsUrl);
      client.send(frame);
      expect((await client.closed).code, frame).toBe(4000);
    }
    expect(await nodeCount()).toBe(before);
  });

  it("credentials in the URL are refused before the handshake", async () => {
    await expect(WsClient.connect(`${wsUrl}?token=ccl_pat_x`)).rejects.toMatchObject({ status: 400 });
  });

  it("a node reporting on a run it was not given is disconnected (4006) and the task is untouched", async () => {
    const keys = generateNodeKeyPair();
    const { client, welcome } = await handshake(keys, "nosy");
    await api(adminToken, "POST", `/api/runtime/nodes/${welcome.node_id}/approve`);
    client.send({ type: "running", tasks: [] });
    // Someone else's task, running nowhere near this node.
    const other = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "say:x" });
    const before = await database.db.select().from(executionEvents).where(eq(executionEvents.executionId, other.body.task_id));
    client.send({ type: "event", execution_id: other.body.task_id, attempt: 1, seq: 1, event: { type: "output", data: { text: "injected" } } });
    expect((await client.closed).code).toBe(4006);
    expect(await database.db.select().from(executionEvents).where(eq(executionEvents.executionId, other.body.task_id))).toEqual(before);
    client.close();
  });

  it("a node's stale attempt is dropped: after the lease ran out and the task moved on, its late reports write nothing", async () => {
    const keys = generateNodeKeyPair();
    const { client, welcome } = await handshake(keys, "stale");
    await api(adminToken, "POST", `/api/runtime/nodes/${welcome.node_id}/approve`);
    client.send({ type: "running", tasks: [] });
    client.send({ type: "advertise", agents: [{ agent_type: "test-echo-once", available: true, reason: null, version: "1" }], skills: [] });
    const submitted = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo-once", prompt: "hang", node: "stale" });
    const assign = await client.waitFor((f) => f.type === "assign");
    client.send({ type: "accept", execution_id: assign.execution_id, attempt: assign.attempt });
    await waitForState(database, submitted.body.task_id, "RUNNING");
    // The node goes silent past its lease (the socket stays, but it never reconnects): node_lost.
    client.socket.terminate();
    const lost = await waitForState(database, submitted.body.task_id, "FAILED");
    expect(lost.errorCode).toBe("node_lost");
    // It comes back claiming the run: told it is gone; its reports are ignored.
    const back = await handshake(keys, "stale");
    back.client.send({ type: "running", tasks: [{ execution_id: assign.execution_id, attempt: assign.attempt, waiting_seq: null }] });
    await back.client.waitFor((f) => f.type === "cancel" && f.execution_id === assign.execution_id && f.reason === "gone");
    back.client.send({ type: "end", execution_id: assign.execution_id, attempt: assign.attempt, seq: 1, outcome: "completed", result: { output: "too late" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await taskRow(database, submitted.body.task_id)).toMatchObject({ state: "FAILED", errorCode: "node_lost" });
    back.client.close();
  });

  it("another user can neither see nor steer a task running on a remote node", async () => {
    const node = await startNode(portal.url, { name: "shared" });
    nodes.push(node);
    await expect.poll(() => node.client.nodeId, POLL).not.toBeNull();
    await api(adminToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/approve`);
    await expect.poll(async () => (await api(adminToken, "GET", `/api/runtime/nodes/${node.client.nodeId}`)).body.agents.length, POLL).toBeGreaterThan(0);
    const submitted = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "ask:secret?", node: "shared" });
    await waitForState(database, submitted.body.task_id, "WAITING");
    for (const [method, path, body] of [
      ["GET", `/api/runtime/tasks/${submitted.body.task_id}`],
      ["GET", `/api/runtime/tasks/${submitted.body.task_id}/events`],
      ["POST", `/api/runtime/tasks/${submitted.body.task_id}/input`, { answer: "bob's answer" }],
      ["POST", `/api/runtime/tasks/${submitted.body.task_id}/cancel`],
    ] as const) {
      expect((await api(bobToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await taskRow(database, submitted.body.task_id)).state).toBe("WAITING");
    // Node administration is for admins.
    expect((await api(bobToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/revoke`)).status).toBe(403);
    await api(adaToken, "POST", `/api/runtime/tasks/${submitted.body.task_id}/cancel`);
    await waitForState(database, submitted.body.task_id, "CANCELLED");
  });

  it("without node or labels a task goes to an online node offering the agent when no local worker runs it", async () => {
    const submitted = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: `say:${randomUUID()}` });
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(task.claimedBy).toBe(`node:${nodes[0].client.nodeId}`);
  });
});
