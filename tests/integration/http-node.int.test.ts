import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventHubFor } from "../../lib/engine/event-hub";
import type { Worker } from "../../lib/runtime";
import { MAX_JSON_BYTES } from "../../lib/transport/http";
import { servesApiPath } from "../../lib/transport/http/node";
import { apiTokenFor, createUser, sessionCookieFor, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit, testWorker, waitForState } from "../support/engine";
import { startRouteNode, type RouteNode } from "../support/route-node";

/** A raw HTTP exchange (no fetch in between), so the headers on the wire are what is checked. */
function exchange(url: string, options: http.RequestOptions & { body?: string | Buffer } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The API served by the node's own server ahead of Next (lib/transport/http/node.ts), as `npm start` does. */
describe("the API on node:http, ahead of Next", async () => {
  const database = await useTestDatabase();
  let node: RouteNode;
  let worker: Worker;
  let token: string;
  let userId: string;
  let ada: TestUser;

  beforeAll(async () => {
    node = await startRouteNode();
    worker = await testWorker(database);
    ada = await createUser(database.db, { name: "Ada" });
    userId = ada.id;
    token = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    await node.close();
    await worker.stop();
  });

  it("takes every /api path but next-auth's", () => {
    expect(servesApiPath("/api/runtime/tasks/submit")).toBe(true);
    expect(servesApiPath("/api/health?x=1")).toBe(true);
    expect(servesApiPath("/api/authors")).toBe(true);
    expect(servesApiPath("/api/auth/session")).toBe(false);
    expect(servesApiPath("/api/auth")).toBe(false);
    expect(servesApiPath("/tasks/1")).toBe(false);
    expect(servesApiPath("/api")).toBe(false);
  });

  it("answers JSON in one piece with its length, status and request id", async () => {
    const res = await exchange(`${node.url}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(res.body)));
    expect(res.headers["x-request-id"]).toMatch(/.{8,}/);
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok" });
    const missing = await exchange(`${node.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "not_found" } });
  });

  it("reads bodies (submit answers 202) and refuses one over the limit with a JSON 413", async () => {
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const ok = await exchange(`${node.url}/api/runtime/tasks/submit`, { method: "POST", headers, body: JSON.stringify({ agent_type: "test-echo", prompt: "say:node" }) });
    expect(ok.status).toBe(202);
    await waitForState(database, JSON.parse(ok.body).task_id, "COMPLETED");
    const huge = await exchange(`${node.url}/api/runtime/tasks/submit`, { method: "POST", headers, body: Buffer.alloc(MAX_JSON_BYTES + 10, 0x20) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("keeps a browser session's cross-site writes out, as through Next", async () => {
    const cookie = await sessionCookieFor(userId);
    const body = JSON.stringify({ agent_type: "test-echo", prompt: "say:csrf" });
    const foreign = await exchange(`${node.url}/api/runtime/tasks/submit`, { method: "POST", headers: { cookie, origin: "https://evil.example", "content-type": "application/json" }, body });
    expect(foreign.status).toBe(403);
    const own = await exchange(`${node.url}/api/runtime/tasks/submit`, { method: "POST", headers: { cookie, origin: node.url, "content-type": "application/json" }, body });
    expect(own.status).toBe(202);
  });

  it("streams SSE as it is written, and a client that goes away ends its subscription", async () => {
    const hub = eventHubFor(database);
    const before = hub.stats().subscribers;
    const taskId = await submit(database, ada, { prompt: "hang" });
    await waitForState(database, taskId, "RUNNING");
    let received = "";
    const req = http.get(`${node.url}/api/runtime/tasks/${taskId}/stream`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } }, (res) => {
      expect(res.headers["content-type"]).toContain("text/event-stream");
      expect(res.headers["content-length"]).toBeUndefined();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (received += chunk));
    });
    req.on("error", () => {});
    await until(() => received.includes("event: state") && received.includes('"state":"RUNNING"'));
    expect(hub.stats().subscribers).toBe(before + 1);
    req.destroy();
    await until(() => hub.stats().subscribers === before);
  });
});
