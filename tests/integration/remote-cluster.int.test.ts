import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { apiTokenFor, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { eventsOf, POLL, waitForState } from "../support/engine";
import { startNode, startPortal, type TestNode, type TestPortal } from "../support/remote";

/**
 * Two portal nodes on one database (on PostgreSQL each with its own connection pool and LISTEN
 * connection, as two processes have), a remote node connected to one of them.
 */
describe("remote nodes in a cluster of portal nodes", async () => {
  const database = await useTestDatabase();
  let second: DatabaseHandle;
  let portalA: TestPortal;
  let portalB: TestPortal;
  let adminToken: string;
  let adaToken: string;
  let node: TestNode;

  const api = async (portal: TestPortal, token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${portal.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    second = database.reopen ? await database.reopen() : database;
    portalA = await startPortal(database);
    portalB = await startPortal(second);
    adminToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Admin", role: "ADMIN" })).id)).token;
    adaToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Ada" })).id)).token;
    node = await startNode([portalA.url, portalB.url], { name: "roamer" });
  });
  afterAll(async () => {
    await node.stop();
    await portalA.close().catch(() => {});
    await portalB.close();
    if (second !== database) await second.close();
  });

  it("a task submitted on one portal node runs on the remote node connected to the other", async () => {
    await expect.poll(() => node.client.nodeId, POLL).not.toBeNull();
    await api(portalB, adminToken, "POST", `/api/runtime/nodes/${node.client.nodeId}/approve`);
    await expect.poll(() => node.client.status, POLL).toBe("approved");
    await expect.poll(async () => (await api(portalB, adminToken, "GET", "/api/runtime/nodes")).body.nodes[0].agents.length, POLL).toBeGreaterThan(0);
    expect(portalA.clawlink.hub.connected().map((s) => s.node?.name)).toEqual(["roamer"]);
    const submitted = await api(portalB, adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "say:across the cluster", node: "roamer" });
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(task.result).toMatchObject({ output: "echo: say:across the cluster" });
    // The watcher on the other portal node sees every event.
    const seen = await api(portalB, adaToken, "GET", `/api/runtime/tasks/${task.id}/events`);
    expect(seen.body.events.map((e: { seq: number }) => e.seq)).toEqual((await eventsOf(database, task.id)).map((e) => e.seq));
  });

  it("when its portal node goes away the remote node moves to the other and its running task loses nothing", async () => {
    const submitted = await api(portalB, adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "x", context: { steps: [{ chunks: 30, text: "step", delay_ms: 40 }, { result: "moved" }] }, node: "roamer" });
    await waitForState(database, submitted.body.task_id, "RUNNING");
    await portalA.close();
    await expect.poll(() => portalB.clawlink.hub.connected().map((s) => s.node?.name), POLL).toEqual(["roamer"]);
    const task = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(task.result).toMatchObject({ output: "moved" });
    const events = await eventsOf(database, task.id);
    expect(events.filter((e) => e.type === "output").map((e) => e.data.text).join("")).toBe(Array.from({ length: 30 }, (_, i) => `step ${i + 1}\n`).join(""));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});
