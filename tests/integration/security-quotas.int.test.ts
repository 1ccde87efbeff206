import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, devices, runtimeSessions } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import { apiTokenFor, bearerRequest, createUser, routeParams } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { DELETE: endSession } = routeHandlers("/api/runtime/sessions/{id}");
const { POST: openSession } = routeHandlers("/api/runtime/sessions");

const SESSIONS = 4;
const PENDING_DEVICES = 2;

/** Live sessions and pending devices per user are capped (a GUEST once opened 150 in 2 s, each a pending device in the admins' queue). */
describe("per-user quotas: live runtime sessions and pending devices", async () => {
  const { db } = await useTestDatabase();
  beforeAll(() => {
    process.env.MAX_SESSIONS_PER_USER = String(SESSIONS);
    process.env.MAX_PENDING_DEVICES_PER_USER = String(PENDING_DEVICES);
    resetEnv();
  });
  afterAll(() => {
    delete process.env.MAX_SESSIONS_PER_USER;
    delete process.env.MAX_PENDING_DEVICES_PER_USER;
    resetEnv();
  });

  const open = (token: string, deviceId?: string) =>
    openSession(bearerRequest(token, "/api/runtime/sessions", { method: "POST", body: JSON.stringify(deviceId ? { device_id: deviceId } : {}) }));

  it("a GUEST flooding sessions gets 429 quota_exceeded past the limit, with a message that says what to do", async () => {
    const guest = await createUser(db, { name: "Guest", role: "GUEST" });
    const { token } = await apiTokenFor(db, guest.id);
    const results = await Promise.all(Array.from({ length: 12 }, () => open(token, "guest-laptop")));
    expect(results.filter((r) => r.status === 201)).toHaveLength(SESSIONS);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(12 - SESSIONS);
    const body = await refused[0].json();
    expect(body.error).toMatchObject({ code: "quota_exceeded", details: { quota: "sessions", limit: SESSIONS, current: SESSIONS } });
    expect(body.error.message).toMatch(/DELETE \/api\/runtime\/sessions/);
    const denied = await db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, guest.id), eq(auditEvents.eventType, "permission.denied")));
    expect(denied.length).toBe(12 - SESSIONS);
    expect(denied[0].details).toMatchObject({ reason: "quota_sessions" });
  });

  it("ending a session frees its slot; expired sessions do not count", async () => {
    const dev = await createUser(db, { name: "Dev" });
    const { token } = await apiTokenFor(db, dev.id);
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) ids.push((await (await open(token, "dev-box")).json()).session_id);
    expect((await open(token, "dev-box")).status).toBe(429);
    expect((await endSession(bearerRequest(token, `/api/runtime/sessions/${ids[0]}`, { method: "DELETE" }), routeParams({ id: ids[0] }))).status).toBe(204);
    expect((await open(token, "dev-box")).status).toBe(201);
    await db.update(runtimeSessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(runtimeSessions.id, ids[1]));
    expect((await open(token, "dev-box")).status).toBe(201);
  });

  it("new device ids beyond the pending limit are refused and never reach the admins' queue; known ones still work", async () => {
    const guest = await createUser(db, { name: "Flooder", role: "GUEST" });
    const { token } = await apiTokenFor(db, guest.id);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => open(token, `flood-${i}`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(PENDING_DEVICES);
    const refused = results.filter((r) => r.status === 429);
    expect((await refused[0].json()).error).toMatchObject({ code: "quota_exceeded", details: { quota: "pending_devices", limit: PENDING_DEVICES } });
    const pending = await db.select().from(devices).where(and(eq(devices.userId, guest.id), eq(devices.trust, "pending")));
    expect(pending).toHaveLength(PENDING_DEVICES);
    // A device that already exists is not a new entry in the queue.
    expect((await open(token, pending[0].deviceId)).status).toBe(201);
    // Once one is decided, a new device id fits again.
    await db.update(devices).set({ trust: "trusted" }).where(eq(devices.id, pending[0].id));
    expect((await open(token, "flood-new")).status).toBe(201);
  });

  it("one user's quota is theirs alone (Ada at her limit, Bob unaffected)", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const bob = await createUser(db, { name: "Bob" });
    const adaToken = (await apiTokenFor(db, ada.id)).token;
    const bobToken = (await apiTokenFor(db, bob.id)).token;
    for (let i = 0; i < SESSIONS; i++) expect((await open(adaToken, "ada-box")).status).toBe(201);
    expect((await open(adaToken, "ada-box")).status).toBe(429);
    expect((await open(bobToken, "bob-box")).status).toBe(201);
  });
});
