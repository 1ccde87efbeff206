import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { authenticate } from "../../lib/security/authenticate";
import { announceCredentialsChanged } from "../../lib/security/credential-notices";
import { CredentialWatcher } from "../../lib/security/credential-watch";
import { callApi } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, openSessionFor, sessionCookieFor, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";
import { readSse, type SseFrame } from "../support/sse";
import { startWsServer, WsClient, type WsTestServer } from "../support/ws";

/** Generous for a loaded 2-core machine; the watcher itself re-checks every 500 ms and on every notice. */
const CLOSE_WITHIN_MS = 5_000;

/** Follow a stream in the background: its frames, and when it ended. */
function follow(res: Response) {
  const frames: SseFrame[] = [];
  let endedAt: number | null = null;
  const done = (async () => {
    for await (const frame of readSse(res)) frames.push(frame);
    endedAt = Date.now();
  })();
  return { frames, done, endedAt: () => endedAt };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Time from `revoke` to the stream's end; the stream must end with the credential-ended error event. */
async function closesAfter(stream: ReturnType<typeof follow>, revoke: () => Promise<unknown>): Promise<{ ms: number; last: SseFrame }> {
  const started = Date.now();
  await revoke();
  await Promise.race([stream.done, new Promise((_, reject) => setTimeout(() => reject(new Error("the stream did not close")), CLOSE_WITHIN_MS * 4))]);
  return { ms: stream.endedAt()! - started, last: stream.frames.at(-1)! };
}

describe("revocation reaches open streams", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let admin: TestUser;
  let adminCookie: string;

  beforeAll(async () => {
    admin = await createUser(db, { name: "Admin", role: "ADMIN" });
    adminCookie = await sessionCookieFor(admin.id);
  });

  /** A task with no worker stays PENDING: its stream would stay open for as long as anyone watches. */
  async function openStream(user: TestUser, headers: Record<string, string>, taskId?: string) {
    taskId ??= await submit(database, user, { prompt: "say:never runs" });
    const reader = new AbortController();
    const res = await callApi(new Request(`http://localhost/api/runtime/tasks/${taskId}/stream`, { headers, signal: reader.signal }));
    expect(res.status).toBe(200);
    const stream = follow(res);
    await until(() => stream.frames.length > 0);
    return { ...stream, stopReading: () => reader.abort() };
  }

  const asAdmin = (path: string, init: RequestInit) => callApi(new Request(`http://localhost${path}`, { ...init, headers: { cookie: adminCookie, "content-type": "application/json" } }));

  it("SSE with an API token: revoking another token changes nothing; revoking this one closes the stream with an error event", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const mine = await apiTokenFor(db, ada.id);
    const other = await apiTokenFor(db, ada.id);
    const stream = await openStream(ada, { authorization: `Bearer ${mine.token}` });

    expect((await callApi(bearerRequest(mine.token, `/api/account/tokens/${other.id}`, { method: "DELETE" }))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stream.endedAt()).toBeNull();

    const { ms, last } = await closesAfter(stream, () => callApi(bearerRequest(mine.token, `/api/account/tokens/${mine.id}`, { method: "DELETE" })));
    expect(last).toMatchObject({ event: "error", data: { error: { code: "unauthenticated", details: { reason: "token_revoked" } } } });
    expect(ms).toBeLessThan(CLOSE_WITHIN_MS);
  });

  it("SSE with a browser cookie: disabling the user closes it", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const stream = await openStream(ada, { cookie: await sessionCookieFor(ada.id) });
    const { ms, last } = await closesAfter(stream, () => asAdmin(`/api/admin/users/${ada.id}`, { method: "PATCH", body: JSON.stringify({ disabled: true }) }));
    expect(last.data).toMatchObject({ error: { details: { reason: "user_disabled" } } });
    expect(ms).toBeLessThan(CLOSE_WITHIN_MS);
  });

  it("SSE with a browser cookie: signing out everywhere (from another browser) closes it", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const stream = await openStream(ada, { cookie: await sessionCookieFor(ada.id) });
    const other = await sessionCookieFor(ada.id);
    const { ms, last } = await closesAfter(stream, () => callApi(new Request("http://localhost/api/account/sign-out-everywhere", { method: "POST", headers: { cookie: other } })));
    expect(last.data).toMatchObject({ error: { details: { reason: "browser_session_signed_out_everywhere" } } });
    expect(ms).toBeLessThan(CLOSE_WITHIN_MS);
  });

  it("SSE with a runtime session: revoking its device closes it", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const session = await openSessionFor(db, ada.id);
    const stream = await openStream(ada, { authorization: `Bearer ${session.token}` });
    const { ms, last } = await closesAfter(stream, () => asAdmin(`/api/admin/devices/${session.devicePk}/revoke`, { method: "POST", body: "{}" }));
    expect(last.data).toMatchObject({ error: { details: { reason: "device_revoked" } } });
    expect(ms).toBeLessThan(CLOSE_WITHIN_MS);
  });

  it("SSE: a role change closes it (what it may see was decided with the old role)", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const { token } = await apiTokenFor(db, ada.id);
    const stream = await openStream(ada, { authorization: `Bearer ${token}` });
    const { last } = await closesAfter(stream, () => asAdmin(`/api/admin/users/${ada.id}`, { method: "PATCH", body: JSON.stringify({ role: "VIEWER" }) }));
    expect(last.data).toMatchObject({ error: { details: { reason: "role_changed" } } });
  });

  it("SSE: withdrawing a grant the stream's caller held closes it", async () => {
    const vera = await createUser(db, { name: "Vera", role: "GUEST" });
    // A GUEST may neither submit nor view tasks of their own; grants give both.
    for (const permission of ["task:submit", "task:view", "agent:execute"]) {
      expect((await asAdmin(`/api/admin/users/${vera.id}/grants`, { method: "POST", body: JSON.stringify({ permission }) })).status).toBe(200);
    }
    const { token } = await apiTokenFor(db, vera.id);
    const submitted = await callApi(bearerRequest(token, "/api/runtime/tasks/submit", { method: "POST", body: JSON.stringify({ agent_type: "test-echo", prompt: "say:never runs" }) }));
    expect(submitted.status).toBe(202);
    const stream = await openStream(vera, { authorization: `Bearer ${token}` }, ((await submitted.json()) as { task_id: string }).task_id);
    const { last } = await closesAfter(stream, () => asAdmin(`/api/admin/users/${vera.id}/grants/task:view`, { method: "DELETE" }));
    expect(last.data).toMatchObject({ error: { details: { reason: "permissions_changed" } } });
  });

  describe("WebSocket", () => {
    let node: WsTestServer;
    beforeAll(async () => {
      node = await startWsServer(database);
    });
    afterAll(() => node.stop());

    async function subscribed(user: TestUser, token: string) {
      const taskId = await submit(database, user, { prompt: "say:never runs" });
      const { client } = await WsClient.open(node.url, token);
      expect(await client.request("subscribe", { task_id: taskId })).toMatchObject({ type: "result" });
      return client;
    }

    it("a socket whose user is disabled closes with 4002 and says why", async () => {
      const ada = await createUser(db, { name: "Ada" });
      const client = await subscribed(ada, (await apiTokenFor(db, ada.id)).token);
      const started = Date.now();
      await asAdmin(`/api/admin/users/${ada.id}`, { method: "PATCH", body: JSON.stringify({ disabled: true }) });
      const closed = await client.closed;
      expect(closed.code).toBe(4002);
      expect(Date.now() - started).toBeLessThan(CLOSE_WITHIN_MS);
      expect(client.frames.at(-1)).toMatchObject({ type: "error", error: { code: "unauthenticated", details: { reason: "user_disabled" } } });
    });

    it("a portal socket (session cookie) closes when the person signs out everywhere from another browser", async () => {
      const ada = await createUser(db, { name: "Ada" });
      const taskId = await submit(database, ada, { prompt: "say:never runs" });
      const origin = node.url.replace("ws://", "http://").replace(/\/api\/.*$/, "");
      const client = await WsClient.connect(node.url, { headers: { cookie: await sessionCookieFor(ada.id) }, origin });
      expect(await client.hello()).toMatchObject({ type: "welcome", via: "browser" });
      expect(await client.request("subscribe", { task_id: taskId })).toMatchObject({ type: "result" });
      const other = await sessionCookieFor(ada.id);
      expect((await callApi(new Request("http://localhost/api/account/sign-out-everywhere", { method: "POST", headers: { cookie: other } }))).status).toBe(200);
      expect((await client.closed).code).toBe(4002);
      expect(client.frames.at(-1)).toMatchObject({ type: "error", error: { details: { reason: "browser_session_signed_out_everywhere" } } });
    });

    it("a socket on a runtime session closes when the session is revoked", async () => {
      const ada = await createUser(db, { name: "Ada" });
      const session = await openSessionFor(db, ada.id);
      const client = await subscribed(ada, session.token);
      expect((await callApi(bearerRequest(session.token, `/api/runtime/sessions/${session.sessionId}`, { method: "DELETE" }))).status).toBe(204);
      expect((await client.closed).code).toBe(4002);
    });
  });

  it("another node's watcher ends the stream too: by the notice on PostgreSQL, by its periodic check when notices never come", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const { id, token } = await apiTokenFor(db, ada.id);
    const ctx = (await authenticate({ kind: "bearer", token }, { db, requestId: "r", ip: null, userAgent: null }))!;
    // A second node: its own connection pool on PostgreSQL; on PGlite (one process) a watcher that never hears a notice.
    const other: DatabaseHandle | Pick<DatabaseHandle, "db" | "listen"> = database.reopen ? await database.reopen() : { db, listen: () => Promise.reject(new Error("no notices here")) };
    const watcher = new CredentialWatcher(other, database.reopen ? 60_000 : 500);
    try {
      const ended = new Promise<string>((resolve) => watcher.watch(ctx, resolve));
      // Let the other node's LISTEN settle before revoking.
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      expect((await callApi(bearerRequest(token, `/api/account/tokens/${id}`, { method: "DELETE" }))).status).toBe(200);
      expect(await ended).toBe("token_revoked");
      expect(Date.now() - started).toBeLessThan(CLOSE_WITHIN_MS);
      expect(watcher.size).toBe(0);
    } finally {
      await watcher.close();
      if ("close" in other) await other.close();
    }
  });

  it("a notice with nothing ended closes nothing", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const { token } = await apiTokenFor(db, ada.id);
    const stream = await openStream(ada, { authorization: `Bearer ${token}` });
    await announceCredentialsChanged(db);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(stream.endedAt()).toBeNull();
    stream.stopReading();
    await stream.done.catch(() => undefined);
  });
});
