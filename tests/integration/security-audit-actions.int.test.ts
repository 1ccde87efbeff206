import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { GET as authGet, POST as authPost } from "../../app/api/auth/[...nextauth]/route";
import { auditEvents, runtimeSessions } from "../../lib/db/schema";
import { checkSignIn } from "../../lib/security/sign-in";
import { useTestDatabase } from "../support/db";
import { bearerRequest, browserRequest, createUser, openSessionFor, routeParams, sessionCookieFor } from "../support/auth";
import { routeHandlers } from "../support/api";

const { POST: createToken } = routeHandlers("/api/account/tokens");
const { DELETE: revokeToken } = routeHandlers("/api/account/tokens/{id}");
const { POST: openSession } = routeHandlers("/api/runtime/sessions");
const { DELETE: deleteSession, GET: getSession } = routeHandlers("/api/runtime/sessions/{id}");
const { DELETE: deleteKey, PUT: putKey } = routeHandlers("/api/runtime/sessions/{id}/memory/{key}");
const { POST: createUser_ } = routeHandlers("/api/admin/users");
const { PATCH: patchUser } = routeHandlers("/api/admin/users/{id}");
const { POST: grant } = routeHandlers("/api/admin/users/{id}/grants");
const { DELETE: ungrant } = routeHandlers("/api/admin/users/{id}/grants/{permission}");
const { POST: createInvite } = routeHandlers("/api/admin/invites");
const { POST: approveDevice } = routeHandlers("/api/admin/devices/{id}/approve");
const { POST: revokeDevice } = routeHandlers("/api/admin/devices/{id}/revoke");
const { POST: createPolicy } = routeHandlers("/api/admin/policies");
const { DELETE: deletePolicy } = routeHandlers("/api/admin/policies/{id}");
const { GET: verify } = routeHandlers("/api/audit/verify");

/** Each action below must append exactly its event, attributed to the right actor and resource. */
describe("every audited action writes its event", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
  const ada = await createUser(db, { name: "Ada", role: "DEVELOPER" });
  const covered = new Set<string>();

  async function expectEvent(eventType: string, action: () => Promise<unknown>, match: { actor?: string | null; resourceId?: () => string | null } = {}) {
    const count = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(eq(auditEvents.eventType, eventType)))[0].n;
    const before = await count();
    await action();
    expect(await count(), eventType).toBe(before + 1);
    const [latest] = await db.select().from(auditEvents).where(eq(auditEvents.eventType, eventType)).orderBy(sql`${auditEvents.entry} desc`).limit(1);
    if (match.actor !== undefined) expect(latest.actorUserId, eventType).toBe(match.actor);
    if (match.resourceId) expect(latest.resourceId, eventType).toBe(match.resourceId());
    covered.add(eventType);
    return latest;
  }
  const as = (userId: string, init?: RequestInit) => browserRequest(userId, "/x", init);
  const json = (body: unknown, method = "POST") => ({ method, body: JSON.stringify(body) });

  afterAll(async () => {
    // The whole run left one unbroken chain.
    const report = await (await verify(await as(admin.id), routeParams({}))).json();
    expect(report.ok).toBe(true);
  });

  it("tokens", async () => {
    let id = "";
    await expectEvent("token.created", async () => {
      id = (await (await createToken(await as(ada.id, json({ name: "t" })))).json()).id;
    }, { actor: ada.id, resourceId: () => id });
    await expectEvent("token.revoked", async () => revokeToken(await (as(ada.id, { method: "DELETE" })), routeParams({ id })), { actor: ada.id, resourceId: () => id });
  });

  it("sessions, memory, devices", async () => {
    let sessionId = "";
    let token = "";
    await expectEvent("session.created", async () => {
      const body = await (await openSession(await as(ada.id, json({ device_id: "audit-dev" })))).json();
      sessionId = body.session_id;
      token = body.session_token;
    }, { actor: ada.id, resourceId: () => sessionId });
    const [row] = await db.select().from(runtimeSessions).where(eq(runtimeSessions.id, sessionId));
    await expectEvent("device.approved", async () => approveDevice(await (as(admin.id, { method: "POST" })), routeParams({ id: row.devicePk })), { actor: admin.id, resourceId: () => row.devicePk });
    await expectEvent("resource.modified", async () => putKey(bearerRequest(token, "/x", json({ value: 1 }, "PUT")), routeParams({ id: sessionId, key: "k" })), { actor: ada.id, resourceId: () => `${sessionId}/k` });
    await expectEvent("resource.deleted", async () => deleteKey(bearerRequest(token, "/x", { method: "DELETE" }), routeParams({ id: sessionId, key: "k" })), { actor: ada.id });
    await expectEvent("session.deleted", async () => deleteSession(await (as(ada.id, { method: "DELETE" })), routeParams({ id: sessionId })), { actor: ada.id, resourceId: () => sessionId });

    const other = await openSessionFor(db, ada.id);
    await expectEvent("device.revoked", async () => revokeDevice(await (as(admin.id, { method: "POST" })), routeParams({ id: other.devicePk })), { actor: admin.id, resourceId: () => other.devicePk });

    const idle = await openSessionFor(db, ada.id);
    await db.update(runtimeSessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(runtimeSessions.id, idle.sessionId));
    await expectEvent("session.expired", async () => getSession(bearerRequest(idle.token, "/x"), routeParams({ id: idle.sessionId })), { actor: ada.id, resourceId: () => idle.sessionId });
  });

  it("users, roles, grants, invites, policies", async () => {
    let userId = "";
    await expectEvent("user.created", async () => {
      userId = (await (await createUser_(await as(admin.id, json({ email: "audited@example.com", name: "A", role: "VIEWER", password: "long password 123" })))).json()).id;
    }, { actor: admin.id, resourceId: () => userId });
    await expectEvent("role.changed", async () => patchUser(await (as(admin.id, json({ role: "GUEST" }, "PATCH"))), routeParams({ id: userId })), { actor: admin.id, resourceId: () => userId });
    await expectEvent("user.disabled", async () => patchUser(await (as(admin.id, json({ disabled: true }, "PATCH"))), routeParams({ id: userId })), { resourceId: () => userId });
    await expectEvent("user.enabled", async () => patchUser(await (as(admin.id, json({ disabled: false }, "PATCH"))), routeParams({ id: userId })), { resourceId: () => userId });
    await expectEvent("permission.granted", async () => grant(await (as(admin.id, json({ permission: "task:view" }))), routeParams({ id: userId })), { resourceId: () => userId });
    await expectEvent("permission.revoked", async () => ungrant(await (as(admin.id, { method: "DELETE" })), routeParams({ id: userId, permission: "task:view" })), { resourceId: () => userId });
    await expectEvent("permission.denied", async () => createPolicy(await (as(ada.id, json({})))), { actor: ada.id });
    await expectEvent("resource.created", async () => createInvite(await (as(admin.id, json({ role: "GUEST" })))), { actor: admin.id });
    let policyId = "";
    await expectEvent("policy.created", async () => {
      policyId = (await (await createPolicy(await as(admin.id, json({ kind: "agent", target: "claude", subject_type: "role", subject_role: "GUEST", effect: "deny" })))).json()).id;
    }, { resourceId: () => policyId });
    await expectEvent("policy.deleted", async () => deletePolicy(await (as(admin.id, { method: "DELETE" })), routeParams({ id: policyId })), { resourceId: () => policyId });
    await expectEvent("resource.accessed", async () => verify(await (as(admin.id)), routeParams({})), { actor: admin.id });
  });

  it("sign-in success, failure and sign-out", async () => {
    await expectEvent("auth.signin_succeeded", async () => checkSignIn(db, { email: ada.email, password: ada.password, ip: "10.0.0.9" }), { actor: ada.id, resourceId: () => ada.id });
    await expectEvent("auth.signin_failed", async () => checkSignIn(db, { email: ada.email, password: "wrong", ip: "10.0.0.9" }), { actor: ada.id });
    await expectEvent("auth.signed_out", async () => {
      const csrf = await authGet(new Request("http://localhost/api/auth/csrf") as never);
      const { csrfToken } = await csrf.json();
      const cookie = [...csrf.headers.getSetCookie().map((c) => c.split(";")[0]), await sessionCookieFor(ada.id)].join("; ");
      const res = await authPost(
        new Request("http://localhost/api/auth/signout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body: new URLSearchParams({ csrfToken }) }) as never,
      );
      expect(res.status).toBe(302);
    }, { actor: ada.id });
  });

  it("covered every identity and security event type", () => {
    expect([...covered].sort()).toEqual(
      [
        "auth.signed_out", "auth.signin_failed", "auth.signin_succeeded", "device.approved", "device.revoked", "permission.denied", "permission.granted",
        "permission.revoked", "policy.created", "policy.deleted", "resource.accessed", "resource.created", "resource.deleted", "resource.modified",
        "role.changed", "session.created", "session.deleted", "session.expired", "token.created", "token.revoked", "user.created", "user.disabled", "user.enabled",
      ].sort(),
    );
  });
});

