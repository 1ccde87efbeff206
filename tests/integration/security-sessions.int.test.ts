import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { announceCredentialsChanged } from "../../lib/security/credential-notices";
import { auditEvents, devices, runtimeSessions } from "../../lib/db/schema";
import { manualClock, setClock } from "../../lib/security/clock";
import { sweepExpiredSessions } from "../../lib/security/runtime-sessions";
import { bindSession } from "../../lib/security/session-binding";
import { contextForUser } from "../../lib/security/authenticate";
import { MEMORY_LIMITS } from "../../lib/security/session-memory";
import { useTestDatabase } from "../support/db";
import { apiTokenFor, bearerRequest, browserRequest, createUser, expectHiddenFrom, openSessionFor, routeParams } from "../support/auth";
import { routeHandlers } from "../support/api";

const { GET: listMySessions } = routeHandlers("/api/account/sessions");
const { POST: approveOwn } = routeHandlers("/api/account/devices/{id}/approve");
const { POST: revokeOwn } = routeHandlers("/api/account/devices/{id}/revoke");
const { POST: openSession } = routeHandlers("/api/runtime/sessions");
const { POST: createToken } = routeHandlers("/api/account/tokens");
const { DELETE: deleteSession, GET: getSession } = routeHandlers("/api/runtime/sessions/{id}");
const { DELETE: clearMemory, GET: listMemory } = routeHandlers("/api/runtime/sessions/{id}/memory");
const { DELETE: deleteKey, GET: getKey, PUT: putKey } = routeHandlers("/api/runtime/sessions/{id}/memory/{key}");

const HOUR = 3600_000;

describe("runtime sessions, devices and session memory", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const ada = await createUser(db, { name: "Ada", role: "DEVELOPER" });
  const bob = await createUser(db, { name: "Bob", role: "DEVELOPER" });

  afterEach(() => setClock(undefined));

  const put = (token: string, id: string, key: string, value: unknown) =>
    putKey(bearerRequest(token, `/api/runtime/sessions/${id}/memory/${key}`, { method: "PUT", body: JSON.stringify({ value }) }), routeParams({ id, key }));

  it("opens a session with an API token and returns the documented shape", async () => {
    const { token } = await apiTokenFor(db, ada.id);
    const res = await openSession(bearerRequest(token, "/api/runtime/sessions", { method: "POST", body: JSON.stringify({ device_id: "ada-laptop", device_name: "Laptop" }), headers: { "user-agent": "clawlink/1.0", "x-forwarded-for": "10.1.2.3" } }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(["created_at", "device", "expires_at", "last_active_at", "permissions", "session_id", "session_token", "user_id"]);
    expect(body.user_id).toBe(ada.id);
    expect(body.session_token).toMatch(/^ccl_ses_/);
    expect(body.device).toEqual({ device_id: "ada-laptop", name: "Laptop", trust: "pending" });
    expect(body.permissions).toEqual(["agent:list", "project:read", "skill:list", "task:view"]);
    expect(new Date(body.expires_at).getTime() - new Date(body.created_at).getTime()).toBe(24 * HOUR);
    const [device] = await db.select().from(devices).where(and(eq(devices.userId, ada.id), eq(devices.deviceId, "ada-laptop")));
    expect(device).toMatchObject({ trust: "pending", lastIp: "10.1.2.3", userAgent: "clawlink/1.0" });
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "session.created"), eq(auditEvents.sessionId, body.session_id)));
    expect(event).toMatchObject({ actorUserId: ada.id, deviceId: "ada-laptop", ip: "10.1.2.3" });
  });

  it("a session token authenticates; a pending device only reads; a trusted device gets the role", async () => {
    const pending = await openSessionFor(db, ada.id, { trust: "pending" });
    const self = await getSession(bearerRequest(pending.token, `/api/runtime/sessions/${pending.sessionId}`), routeParams({ id: pending.sessionId }));
    expect(self.status).toBe(200);
    expect((await self.json()).device.trust).toBe("pending");
    // Writing memory needs task:submit, which a pending device does not have.
    expect((await put(pending.token, pending.sessionId, "k", 1)).status).toBe(403);
    // Approved behind the API's back, then announced as decideDevice does: nodes forget the trust they remember.
    await db.update(devices).set({ trust: "trusted" }).where(eq(devices.id, pending.devicePk));
    await announceCredentialsChanged(db);
    expect((await put(pending.token, pending.sessionId, "k", 1)).status).toBe(200);
  });

  it("a session token cannot mint API tokens (a pending device would escape its read-only limits)", async () => {
    const s = await openSessionFor(db, ada.id, { trust: "pending" });
    const res = await createToken(bearerRequest(s.token, "/api/account/tokens", { method: "POST", body: JSON.stringify({ name: "escape" }) }));
    expect(res.status).toBe(403);
  });

  it("a session token cannot open more sessions, and a revoked device cannot open any", async () => {
    const s = await openSessionFor(db, ada.id);
    const res = await openSession(bearerRequest(s.token, "/api/runtime/sessions", { method: "POST", body: JSON.stringify({ device_id: "other" }) }));
    expect(res.status).toBe(403);
    await db.update(devices).set({ trust: "revoked" }).where(eq(devices.id, s.devicePk));
    const again = await openSession(await browserRequest(ada.id, "/api/runtime/sessions", { method: "POST", body: JSON.stringify({ device_id: s.deviceId }) }));
    expect(again.status).toBe(403);
    expect((await again.json()).error.message).toMatch(/revoked/);
  });

  it("expires after 24 h without activity, sliding on use (injectable clock)", async () => {
    const clock = manualClock(new Date("2031-05-01T00:00:00Z"));
    setClock(clock.now);
    const s = await openSessionFor(db, ada.id);
    const use = () => getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }));
    clock.advance(23 * HOUR);
    expect((await use()).status).toBe(200); // slides the expiry to 47 h
    clock.advance(23 * HOUR);
    expect((await use()).status).toBe(200); // 46 h after opening, 23 h idle
    clock.advance(24 * HOUR - 1);
    expect((await use()).status).toBe(200);
    clock.advance(24 * HOUR);
    const expired = await use();
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.message).toMatch(/expired after 24 hours/);
    const [row] = await db.select().from(runtimeSessions).where(eq(runtimeSessions.id, s.sessionId));
    expect(row.endedReason).toBe("expired");
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "session.expired"), eq(auditEvents.sessionId, s.sessionId)));
    expect(events).toHaveLength(1);
    expect((await use()).status).toBe(401);
  });

  it("the sweeper marks idle sessions expired without anyone using them, once", async () => {
    const clock = manualClock(new Date("2031-07-01T00:00:00Z"));
    setClock(clock.now);
    const idle = await openSessionFor(db, ada.id);
    const busy = await openSessionFor(db, ada.id);
    clock.advance(20 * HOUR);
    await getSession(bearerRequest(busy.token, "/x"), routeParams({ id: busy.sessionId }));
    clock.advance(5 * HOUR);
    expect(await sweepExpiredSessions(db)).toBeGreaterThanOrEqual(1);
    const rows = await db.select().from(runtimeSessions).where(eq(runtimeSessions.userId, ada.id));
    expect(rows.find((r) => r.id === idle.sessionId)?.endedReason).toBe("expired");
    expect(rows.find((r) => r.id === busy.sessionId)?.endedAt).toBeNull();
    expect(await sweepExpiredSessions(db)).toBe(0);
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "session.expired"), eq(auditEvents.sessionId, idle.sessionId)));
    expect(events).toHaveLength(1);
  });

  it("an idle session is expired exactly at 24 h", async () => {
    const clock = manualClock(new Date("2031-06-01T00:00:00Z"));
    setClock(clock.now);
    const s = await openSessionFor(db, ada.id);
    clock.advance(24 * HOUR);
    expect((await getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).status).toBe(401);
  });

  it("DELETE revokes at once and is audited; others' sessions are 404", async () => {
    const s = await openSessionFor(db, ada.id);
    await expectHiddenFrom(bob.id, [
      { handler: getSession, url: `/api/runtime/sessions/${s.sessionId}`, params: { id: s.sessionId } },
      { handler: deleteSession, url: `/api/runtime/sessions/${s.sessionId}`, params: { id: s.sessionId }, init: { method: "DELETE" } },
    ]);
    const res = await deleteSession(await browserRequest(ada.id, `/api/runtime/sessions/${s.sessionId}`, { method: "DELETE" }), routeParams({ id: s.sessionId }));
    expect(res.status).toBe(204);
    const after = await getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }));
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toMatch(/revoked/);
    const viewed = await (await getSession(await browserRequest(ada.id, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).json();
    expect(viewed.status).toBe("revoked");
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "session.deleted"), eq(auditEvents.resourceId, s.sessionId)));
    expect(events).toHaveLength(1);
    const mine = await (await listMySessions(await browserRequest(ada.id, "/api/account/sessions"))).json();
    expect(mine.sessions.map((x: { session_id: string }) => x.session_id)).not.toContain(s.sessionId);
  });

  it("an admin can see and end anyone's session", async () => {
    const admin = await createUser(db, { name: "Root", role: "ADMIN" });
    const s = await openSessionFor(db, ada.id);
    expect((await getSession(await browserRequest(admin.id, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).status).toBe(200);
    expect((await deleteSession(await browserRequest(admin.id, `/api/runtime/sessions/${s.sessionId}`, { method: "DELETE" }), routeParams({ id: s.sessionId }))).status).toBe(204);
  });

  it("disabling the user kills their sessions at once", async () => {
    const carol = await createUser(db, { name: "Carol" });
    const s = await openSessionFor(db, carol.id);
    const { users } = await import("../../lib/db/schema");
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, carol.id));
    expect((await getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).status).toBe(401);
  });

  it("a user trusts their own device by re-entering their password in the browser", async () => {
    const s = await openSessionFor(db, ada.id, { trust: "pending" });
    const approve = async (req: Request) => approveOwn(req, routeParams({ id: s.devicePk }));
    const body = (password: string) => ({ method: "POST", body: JSON.stringify({ password }) });
    expect((await approve(bearerRequest(s.token, "/x", body(ada.password)))).status).toBe(403);
    expect((await approve(await browserRequest(bob.id, "/x", body(bob.password)))).status).toBe(404);
    expect((await approve(await browserRequest(ada.id, "/x", body("wrong password")))).status).toBe(403);
    const res = await approve(await browserRequest(ada.id, "/x", body(ada.password)));
    expect(res.status).toBe(200);
    expect((await res.json()).device.trust).toBe("trusted");
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "device.approved"), eq(auditEvents.resourceId, s.devicePk)));
    expect(event.details).toMatchObject({ by: "owner" });
    expect((await put(s.token, s.sessionId, "now-trusted", true)).status).toBe(200);
    await db.update(devices).set({ trust: "revoked" }).where(eq(devices.id, s.devicePk));
    expect((await approve(await browserRequest(ada.id, "/x", body(ada.password)))).status).toBe(409);
  });

  it("a user revokes their own device: its sessions end at once; Bob's attempt answers 404", async () => {
    const s = await openSessionFor(db, ada.id, { trust: "trusted" });
    const revoke = async (req: Request) => revokeOwn(req, routeParams({ id: s.devicePk }));
    expect((await revoke(await browserRequest(bob.id, "/x", { method: "POST" }))).status).toBe(404);
    expect((await getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).status).toBe(200);
    const res = await revoke(await browserRequest(ada.id, "/x", { method: "POST" }));
    expect(res.status).toBe(200);
    expect((await res.json()).device).toMatchObject({ trust: "revoked", sessions_ended: 1 });
    expect((await getSession(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}`), routeParams({ id: s.sessionId }))).status).toBe(401);
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "device.revoked"), eq(auditEvents.resourceId, s.devicePk)));
    expect(event.actorUserId).toBe(ada.id);
  });

  describe("session memory", () => {
    it("stores, reads, lists and deletes JSON values within the session", async () => {
      const s = await openSessionFor(db, ada.id);
      const res = await put(s.token, s.sessionId, "plan", { steps: ["a", "b"] });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ key: "plan", value: { steps: ["a", "b"] } });
      const read = await getKey(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}/memory/plan`), routeParams({ id: s.sessionId, key: "plan" }));
      expect((await read.json()).value).toEqual({ steps: ["a", "b"] });
      // The owner, through the browser, may read it too.
      const list = await (await listMemory(await browserRequest(ada.id, `/api/runtime/sessions/${s.sessionId}/memory`), routeParams({ id: s.sessionId }))).json();
      expect(list.entries.map((e: { key: string }) => e.key)).toEqual(["plan"]);
      expect(list.usage.keys).toBe(1);
      const del = await deleteKey(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}/memory/plan`, { method: "DELETE" }), routeParams({ id: s.sessionId, key: "plan" }));
      expect(del.status).toBe(204);
      expect((await getKey(bearerRequest(s.token, `/api/runtime/sessions/${s.sessionId}/memory/plan`), routeParams({ id: s.sessionId, key: "plan" }))).status).toBe(404);
      const modified = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "resource.modified"), eq(auditEvents.sessionId, s.sessionId)));
      const deleted = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "resource.deleted"), eq(auditEvents.sessionId, s.sessionId)));
      expect([modified.length, deleted.length]).toEqual([1, 1]);
    });

    it("is isolated: another session of the same user, Bob, and an admin all get 404", async () => {
      const s1 = await openSessionFor(db, ada.id);
      const s2 = await openSessionFor(db, ada.id);
      await put(s1.token, s1.sessionId, "secret", "ada's");
      const sibling = await getKey(bearerRequest(s2.token, `/api/runtime/sessions/${s1.sessionId}/memory/secret`), routeParams({ id: s1.sessionId, key: "secret" }));
      expect(sibling.status).toBe(404);
      expect((await put(s2.token, s1.sessionId, "secret", "overwrite")).status).toBe(404);
      const bobSession = await openSessionFor(db, bob.id);
      const url = `/api/runtime/sessions/${s1.sessionId}/memory`;
      await expectHiddenFrom(bob.id, [
        { handler: listMemory, url, params: { id: s1.sessionId } },
        { handler: getKey, url: `${url}/secret`, params: { id: s1.sessionId, key: "secret" } },
        { handler: putKey, url: `${url}/secret`, params: { id: s1.sessionId, key: "secret" }, init: { method: "PUT", body: JSON.stringify({ value: 1 }) } },
        { handler: deleteKey, url: `${url}/secret`, params: { id: s1.sessionId, key: "secret" }, init: { method: "DELETE" } },
        { handler: clearMemory, url, params: { id: s1.sessionId }, init: { method: "DELETE" } },
        { handler: getKey, url: `${url}/secret`, params: { id: s1.sessionId, key: "secret" }, token: bobSession.token },
      ]);
      const admin = await createUser(db, { name: "Admin2", role: "ADMIN" });
      await expectHiddenFrom(admin.id, [{ handler: listMemory, url, params: { id: s1.sessionId } }]);
      const still = await getKey(bearerRequest(s1.token, `${url}/secret`), routeParams({ id: s1.sessionId, key: "secret" }));
      expect((await still.json()).value).toBe("ada's");
    });

    it("enforces the size limits with 413 and refuses bad keys", async () => {
      const s = await openSessionFor(db, ada.id);
      const big = "x".repeat(MEMORY_LIMITS.valueBytes);
      expect((await put(s.token, s.sessionId, "big", big)).status).toBe(413);
      const chunk = "y".repeat(MEMORY_LIMITS.valueBytes - 10);
      const perChunk = Math.floor(MEMORY_LIMITS.totalBytes / (chunk.length + 2));
      for (let i = 0; i < perChunk; i++) expect((await put(s.token, s.sessionId, `k${i}`, chunk)).status).toBe(200);
      expect((await put(s.token, s.sessionId, "overflow", chunk)).status).toBe(413);
      // Replacing an existing key within the quota still works.
      expect((await put(s.token, s.sessionId, "k0", "small")).status).toBe(200);
      const bad = await putKey(bearerRequest(s.token, `/x`, { method: "PUT", body: JSON.stringify({ value: 1 }) }), routeParams({ id: s.sessionId, key: "bad key!" }));
      expect(bad.status).toBe(400);
      const missing = await putKey(bearerRequest(s.token, `/x`, { method: "PUT", body: JSON.stringify({}) }), routeParams({ id: s.sessionId, key: "ok" }));
      expect(missing.status).toBe(422);
    });

    it("an ended session's memory is read-only", async () => {
      const s = await openSessionFor(db, ada.id);
      await put(s.token, s.sessionId, "k", 1);
      await deleteSession(await browserRequest(ada.id, `/x`, { method: "DELETE" }), routeParams({ id: s.sessionId }));
      const owner = await browserRequest(ada.id, `/x`, { method: "PUT", body: JSON.stringify({ value: 2 }) });
      expect((await putKey(owner, routeParams({ id: s.sessionId, key: "k" }))).status).toBe(409);
      expect((await getKey(await browserRequest(ada.id, `/x`), routeParams({ id: s.sessionId, key: "k" }))).status).toBe(200);
    });
  });

  describe("session_id binding (bindSession)", () => {
    const ctxFor = async (userId: string) => (await contextForUser(db, userId, { via: "browser", requestId: "test-req-1", ip: null, userAgent: null }))!;

    it("accepts the caller's own session and refuses anyone else's with 403", async () => {
      const s = await openSessionFor(db, ada.id);
      const other = await openSessionFor(db, bob.id);
      const adaCtx = await ctxFor(ada.id);
      expect(await bindSession(db, adaCtx, s.sessionId)).toEqual({ sessionId: s.sessionId, devicePk: s.devicePk });
      expect(await bindSession(db, adaCtx, undefined)).toBeNull();
      await expect(bindSession(db, adaCtx, other.sessionId)).rejects.toMatchObject({ code: "forbidden" });
      await expect(bindSession(db, adaCtx, "not-a-uuid")).rejects.toMatchObject({ code: "forbidden" });
      const viaSession = { ...adaCtx, via: "runtime_session" as const, session: { id: s.sessionId, devicePk: s.devicePk, deviceId: s.deviceId, trust: "trusted" as const } };
      const s2 = await openSessionFor(db, ada.id);
      await expect(bindSession(db, viaSession, s2.sessionId)).rejects.toMatchObject({ code: "forbidden" });
      expect(await bindSession(db, viaSession, undefined)).toEqual({ sessionId: s.sessionId, devicePk: s.devicePk });
      const denials = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "permission.denied"), eq(auditEvents.action, "use_session_id")));
      expect(denials.length).toBeGreaterThanOrEqual(3);
    });

    it("refuses an ended session id", async () => {
      const s = await openSessionFor(db, ada.id);
      await deleteSession(await browserRequest(ada.id, `/x`, { method: "DELETE" }), routeParams({ id: s.sessionId }));
      const adaCtx = await ctxFor(ada.id);
      await expect(bindSession(db, adaCtx, s.sessionId)).rejects.toMatchObject({ code: "forbidden" });
    });
  });
});
