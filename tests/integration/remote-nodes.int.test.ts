import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remoteNodes } from "../../lib/db/schema";
import { fingerprintOf } from "../../lib/remote/keys";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { eventsOf, POLL, taskRow, waitForState } from "../support/engine";
import { startNode, startPortal, type TestNode, type TestPortal } from "../support/remote";

describe("remote nodes over clawlink v1", async () => {
  const database = await useTestDatabase();
  let portal: TestPortal;
  let admin: TestUser;
  let ada: TestUser;
  let adminToken: string;
  let adaToken: string;
  const nodes: TestNode[] = [];

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${portal.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const nodeNamed = async (name: string) => (await api(adminToken, "GET", "/api/runtime/nodes")).body.nodes.find((n: { name: string }) => n.name === name);
  const connect = async (name: string, options: Parameters<typeof startNode>[1] | object = {}) => {
    const node = await startNode(portal.url, { name, ...options });
    nodes.push(node);
    await expect.poll(() => node.client.status, POLL).not.toBeNull();
    return node;
  };
  const approve = async (name: string, node: TestNode) => {
    const row = await nodeNamed(name);
    expect((await api(adminToken, "POST", `/api/runtime/nodes/${row.id}/approve`)).status).toBe(200);
    await expect.poll(() => node.client.status, POLL).toBe("approved");
    // Its advertisement (agents and probe results) reached the portal.
    await expect.poll(async () => (await nodeNamed(name)).agents.some((a: { agent_type: string; available: boolean }) => a.agent_type === "test-echo" && a.available), POLL).toBe(true);
    return row.id as string;
  };
  const submitTo = async (body: Record<string, unknown>, token = adaToken) => api(token, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", ...body });

  beforeAll(async () => {
    portal = await startPortal(database);
    admin = await createUser(database.db, { name: "Admin", role: "ADMIN" });
    ada = await createUser(database.db, { name: "Ada" });
    adminToken = (await apiTokenFor(database.db, admin.id)).token;
    adaToken = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await portal.close();
  });

  it("pairs as pending (name + fingerprint shown), runs nothing until approved, then runs a task placed on it by name", async () => {
    const node = await connect("build-box");
    expect(node.client.status).toBe("pending");
    const listed = await nodeNamed("build-box");
    expect(listed).toMatchObject({ status: "pending", online: true, fingerprint: fingerprintOf(node.keys.publicKey), version: "0.2.0-test" });
    expect((await submitTo({ prompt: "say:hi", node: "build-box" })).body.error.code).toBe("validation_failed");

    await approve("build-box", node);
    const submitted = await submitTo({ prompt: "say:hello from afar;result:done", node: "build-box" });
    expect(submitted.status).toBe(202);
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(task.result).toMatchObject({ output: "done" });
    expect(task.claimedBy).toBe(`node:${listed.id}`);
    const events = await eventsOf(database, task.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.find((e) => e.state === "PLANNING")?.data).toMatchObject({ node_name: "build-box" });
    expect(events.filter((e) => e.type === "output").map((e) => e.data.text).join("")).toBe("hello from afar\n");
    // The same task is visible to its owner like any other; nothing about the node decides access.
    expect((await api(adaToken, "GET", `/api/runtime/tasks/${task.id}/state`)).body).toMatchObject({ state: "COMPLETED", success: true });
  });

  it("a later connection with the same key answers a new challenge and keeps the node's identity", async () => {
    const first = nodes[0];
    const again = await connect("build-box", { keys: first.keys });
    expect(again.client.status).toBe("approved");
    expect(again.client.nodeId).toBe(first.client.nodeId);
    const rows = await database.db.select().from(remoteNodes).where(eq(remoteNodes.name, "build-box"));
    expect(rows).toHaveLength(1);
    // The older connection was replaced, not left holding the node.
    await expect.poll(() => first.events.some((e) => e.kind === "disconnected"), POLL).toBe(true);
    await first.client.stop(0);
  });

  it("asks a person from the remote node; the answer given over the API reaches it", async () => {
    const node = nodes[1];
    const submitted = await submitTo({ prompt: "ask:Which branch?;result:ok", node: "build-box" });
    await waitForState(database, submitted.body.task_id, "WAITING");
    expect((await api(adaToken, "GET", `/api/runtime/tasks/${submitted.body.task_id}`)).body.pending_question).toMatchObject({ prompt: "Which branch?" });
    expect((await api(adaToken, "POST", `/api/runtime/tasks/${submitted.body.task_id}/input`, { answer: "main" })).status).toBe(200);
    await waitForState(database, submitted.body.task_id, "COMPLETED");
    const output = (await eventsOf(database, submitted.body.task_id)).filter((e) => e.type === "output").map((e) => e.data.text);
    expect(output.join("")).toContain("answer: main");
    // The end was acknowledged: the node forgot the run.
    await expect.poll(() => node.client.runningTaskIds(), POLL).not.toContain(submitted.body.task_id);
  });

  it("cancels a run on the remote node", async () => {
    const submitted = await submitTo({ prompt: "hang", node: "build-box" });
    await waitForState(database, submitted.body.task_id, "RUNNING");
    expect((await api(adaToken, "POST", `/api/runtime/tasks/${submitted.body.task_id}/cancel`)).status).toBe(200);
    await waitForState(database, submitted.body.task_id, "CANCELLED");
    await expect.poll(() => nodes[1].client.runningTaskIds(), POLL).toEqual([]);
  });

  it("keeps running through disconnects: events are buffered with their seq and resumed without gaps or duplicates", async () => {
    const node = nodes[1];
    const submitted = await submitTo({ prompt: "x", context: { steps: [{ chunks: 60, text: "line", delay_ms: 30 }, { result: "all there" }] }, node: "build-box" });
    await waitForState(database, submitted.body.task_id, "RUNNING");
    for (let i = 0; i < 3; i++) {
      // Drop the connection mid-run, then wait until it is back (the run goes on meanwhile).
      const connections = node.events.filter((e) => e.kind === "connected").length;
      await new Promise((r) => setTimeout(r, 100));
      node.client.reconnect();
      await expect.poll(() => node.events.filter((e) => e.kind === "connected").length, POLL).toBeGreaterThan(connections);
    }
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    const text = (await eventsOf(database, task.id)).filter((e) => e.type === "output").map((e) => e.data.text).join("");
    expect(text).toBe(Array.from({ length: 60 }, (_, i) => `line ${i + 1}\n`).join(""));
    expect(node.events.filter((e) => e.kind === "disconnected").length).toBeGreaterThanOrEqual(3);
    const events = await eventsOf(database, task.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it("targets by labels; a one-time enrolment token approves a node on first connect", async () => {
    const made = await api(adminToken, "POST", "/api/runtime/nodes/enrolments", { name: "gpu-1", labels: ["gpu"] });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^ccl_enr_/);
    expect((await submitTo({ prompt: "say:x", labels: ["gpu"] })).status).toBe(422);
    const gpu = await connect("gpu-1", { enrolmentToken: made.body.token });
    expect(gpu.client.status).toBe("approved");
    await expect.poll(async () => (await nodeNamed("gpu-1"))?.agents.length ?? 0, POLL).toBeGreaterThan(0);
    const submitted = await submitTo({ prompt: "say:on a gpu", labels: ["gpu"] });
    expect(submitted.status).toBe(202);
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(task.claimedBy).toBe(`node:${gpu.client.nodeId}`);
    // Used once: a second node cannot enrol with it.
    const thief = await startNode(portal.url, { name: "gpu-1", enrolmentToken: made.body.token });
    nodes.push(thief);
    expect(await thief.done).toMatchObject({ code: 4001 });
  });

  it("a drained node finishes its runs and takes no new ones until resumed; only admins see where nodes connect from", async () => {
    const node = nodes[1];
    expect((await api(adminToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/drain`, { draining: true })).body).toMatchObject({ draining: true });
    await expect.poll(() => node.client.status, POLL).toBe("draining");
    const submitted = await submitTo({ prompt: "say:after the drain", node: "build-box" });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await taskRow(database, submitted.body.task_id)).state).toBe("PENDING");
    await api(adminToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/drain`, { draining: false });
    await expect.poll(() => node.client.status, POLL).toBe("approved");
    await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect((await api(adminToken, "GET", `/api/runtime/nodes/${node.client.nodeId}`)).body.last_ip).not.toBeNull();
    expect((await api(adaToken, "GET", `/api/runtime/nodes/${node.client.nodeId}`)).body).toMatchObject({ name: "build-box", last_ip: null });
  });

  it("revoking a node disconnects it at once and cancels its tasks; it can run nothing", async () => {
    const node = nodes[1];
    const submitted = await submitTo({ prompt: "hang", node: "build-box" });
    await waitForState(database, submitted.body.task_id, "RUNNING");
    const revoked = await api(adminToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/revoke`);
    expect(revoked.body).toMatchObject({ status: "revoked", tasks_cancelled: 1 });
    expect(await node.done).toMatchObject({ code: 4002 });
    expect((await taskRow(database, submitted.body.task_id)).state).toBe("CANCELLED");
    expect(node.client.runningTaskIds()).toEqual([]);
    expect((await submitTo({ prompt: "say:x", node: "build-box" })).status).toBe(422);
    // Coming back with the same key is refused.
    const back = await startNode(portal.url, { name: "build-box", keys: node.keys });
    nodes.push(back);
    expect(await back.done).toMatchObject({ code: 4002 });
  });
});
