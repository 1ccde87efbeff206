import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, users } from "../../lib/db/schema";
import { contextForUser } from "../../lib/security/authenticate";
import { assertPolicies } from "../../lib/security/policies";
import { checkSignIn } from "../../lib/security/sign-in";
import { useTestDatabase } from "../support/db";
import { apiTokenFor, bearerRequest, browserRequest, createUser, openSessionFor, routeParams } from "../support/auth";
import { routeHandlers } from "../support/api";

const { GET: listUsers, POST: createUser_ } = routeHandlers("/api/admin/users");
const { GET: getUser, PATCH: patchUser } = routeHandlers("/api/admin/users/{id}");
const { POST: grant } = routeHandlers("/api/admin/users/{id}/grants");
const { DELETE: ungrant } = routeHandlers("/api/admin/users/{id}/grants/{permission}");
const { GET: listInvites, POST: createInvite } = routeHandlers("/api/admin/invites");
const { DELETE: withdrawInvite } = routeHandlers("/api/admin/invites/{id}");
const { POST: acceptInvite } = routeHandlers("/api/invites/accept");
const { GET: listDevices } = routeHandlers("/api/admin/devices");
const { POST: approveDevice } = routeHandlers("/api/admin/devices/{id}/approve");
const { POST: revokeDevice } = routeHandlers("/api/admin/devices/{id}/revoke");
const { GET: listPolicies, POST: createPolicy } = routeHandlers("/api/admin/policies");
const { DELETE: deletePolicy, PATCH: patchPolicy } = routeHandlers("/api/admin/policies/{id}");
const { GET: listAllTokens } = routeHandlers("/api/admin/tokens");
const { DELETE: adminRevokeToken } = routeHandlers("/api/admin/tokens/{id}");
const { GET: listAllSessions } = routeHandlers("/api/admin/sessions");
const { GET: getSession } = routeHandlers("/api/runtime/sessions/{id}");
const { GET: myTokens } = routeHandlers("/api/account/tokens");

const json = (body: unknown, method = "POST") => ({ method, body: JSON.stringify(body) });

describe("admin APIs", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
  const dev = await createUser(db, { name: "Dev", role: "DEVELOPER" });
  const as = (userId: string, url: string, init?: RequestInit) => browserRequest(userId, url, init);
  const eventsOf = async (eventType: string, resourceId: string) =>
    db.select().from(auditEvents).where(and(eq(auditEvents.eventType, eventType), eq(auditEvents.resourceId, resourceId)));

  it("non-admins get 403 on admin routes", async () => {
    expect((await listUsers(await as(dev.id, "/api/admin/users"))).status).toBe(403);
    expect((await createUser_(await as(dev.id, "/api/admin/users", json({})))).status).toBe(403);
    expect((await listDevices(await as(dev.id, "/api/admin/devices"))).status).toBe(403);
    expect((await listPolicies(await as(dev.id, "/api/admin/policies"))).status).toBe(403);
  });

  it("creates, lists, renames, changes role of, disables and enables users, auditing each", async () => {
    const res = await createUser_(await as(admin.id, "/api/admin/users", json({ email: "Grace@Example.com", name: "Grace", role: "VIEWER", password: "a long enough password" })));
    expect(res.status).toBe(201);
    const grace = await res.json();
    expect(grace).toMatchObject({ email: "grace@example.com", role: "VIEWER", status: "active" });
    expect((await eventsOf("user.created", grace.id)).length).toBe(1);
    const dup = await createUser_(await as(admin.id, "/api/admin/users", json({ email: "grace@example.com", name: "G2", role: "VIEWER", password: "a long enough password" })));
    expect(dup.status).toBe(409);
    const short = await createUser_(await as(admin.id, "/api/admin/users", json({ email: "x@example.com", name: "X", role: "VIEWER", password: "short" })));
    expect(short.status).toBe(422);

    const listed = await (await listUsers(await as(admin.id, "/api/admin/users?role=VIEWER"))).json();
    expect(listed.users.map((u: { email: string }) => u.email)).toEqual(["grace@example.com"]);

    const promoted = await patchUser(await as(admin.id, `/x`, json({ role: "DEVELOPER", name: "Grace H." }, "PATCH")), routeParams({ id: grace.id }));
    expect(await promoted.json()).toMatchObject({ role: "DEVELOPER", name: "Grace H." });
    expect((await eventsOf("role.changed", grace.id))[0].details).toEqual({ from: "VIEWER", to: "DEVELOPER", browser_sessions_ended: 0 });

    const session = await openSessionFor(db, grace.id);
    const disabled = await patchUser(await as(admin.id, `/x`, json({ disabled: true }, "PATCH")), routeParams({ id: grace.id }));
    expect((await disabled.json()).status).toBe("disabled");
    expect((await eventsOf("user.disabled", grace.id))[0].details).toEqual({ sessions_ended: 1, browser_sessions_ended: 1 });
    expect((await getSession(bearerRequest(session.token, "/x"), routeParams({ id: session.sessionId }))).status).toBe(401);
    expect((await checkSignIn(db, { email: "grace@example.com", password: "a long enough password", ip: null })).ok).toBe(false);

    await patchUser(await as(admin.id, `/x`, json({ disabled: false }, "PATCH")), routeParams({ id: grace.id }));
    expect((await eventsOf("user.enabled", grace.id)).length).toBe(1);
    expect((await checkSignIn(db, { email: "grace@example.com", password: "a long enough password", ip: null })).ok).toBe(true);
    expect((await patchUser(await as(admin.id, `/x`, json({}, "PATCH")), routeParams({ id: grace.id }))).status).toBe(422);
  });

  it("protects the last admin and the acting admin's own account", async () => {
    const self = await patchUser(await as(admin.id, `/x`, json({ disabled: true }, "PATCH")), routeParams({ id: admin.id }));
    expect(self.status).toBe(409);
    const demote = await patchUser(await as(admin.id, `/x`, json({ role: "DEVELOPER" }, "PATCH")), routeParams({ id: admin.id }));
    expect(demote.status).toBe(409);
    expect((await demote.json()).error.message).toMatch(/last active admin/);
  });

  it("grants and withdraws extra permissions, which take effect on the next request", async () => {
    const viewer = await createUser(db, { name: "Vera", role: "VIEWER" });
    const res = await grant(await as(admin.id, "/x", json({ permission: "task:submit" })), routeParams({ id: viewer.id }));
    expect(res.status).toBe(200);
    expect((await res.json()).permissions).toContain("task:submit");
    expect((await eventsOf("permission.granted", viewer.id))[0].details).toEqual({ permission: "task:submit" });
    const ctx = await contextForUser(db, viewer.id, { via: "browser", requestId: "r-12345678", ip: null, userAgent: null });
    expect(ctx!.permissions.has("task:submit")).toBe(true);
    expect((await grant(await as(admin.id, "/x", json({ permission: "nope" })), routeParams({ id: viewer.id }))).status).toBe(422);
    const removed = await ungrant(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: viewer.id, permission: "task:submit" }));
    expect((await removed.json()).permissions).not.toContain("task:submit");
    expect((await eventsOf("permission.revoked", viewer.id)).length).toBe(1);
    expect((await ungrant(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: viewer.id, permission: "task:submit" }))).status).toBe(404);
  });

  it("invites: a one-time link creates the account with the invited role", async () => {
    const res = await createInvite(await as(admin.id, "http://portal.test/api/admin/invites", json({ email: "newbie@example.com", role: "VIEWER" })));
    expect(res.status).toBe(201);
    const invite = await res.json();
    expect(invite.url).toBe(`http://portal.test/invite#token=${invite.token}`);
    const listed = await (await listInvites(await as(admin.id, "/x"))).json();
    expect(JSON.stringify(listed)).not.toContain(invite.token);
    expect(listed.invites[0]).toMatchObject({ id: invite.id, status: "pending" });

    const wrongEmail = await acceptInvite(new Request("http://x/api/invites/accept", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: invite.token, email: "other@example.com", name: "N", password: "newbie password 1" }) }));
    expect(wrongEmail.status).toBe(422);
    const accept = () =>
      acceptInvite(new Request("http://x/api/invites/accept", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: invite.token, name: "Newbie", password: "newbie password 1" }) }));
    const accepted = await accept();
    expect(accepted.status).toBe(201);
    const { user } = await accepted.json();
    expect(user).toMatchObject({ email: "newbie@example.com", role: "VIEWER" });
    expect((await eventsOf("user.created", user.id))[0].details).toMatchObject({ via: "invite", invite_id: invite.id });
    expect((await checkSignIn(db, { email: "newbie@example.com", password: "newbie password 1", ip: null })).ok).toBe(true);
    expect((await accept()).status).toBe(403);

    const other = await (await createInvite(await as(admin.id, "/x", json({ role: "GUEST" })))).json();
    expect((await withdrawInvite(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: other.id }))).status).toBe(200);
    const late = await acceptInvite(new Request("http://x/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: other.token, email: "late@example.com", name: "Late", password: "late password 12" }) }));
    expect(late.status).toBe(403);
  });

  it("devices: pending first; approving upgrades sessions; revoking kills them at once", async () => {
    const s = await openSessionFor(db, dev.id, { trust: "pending" });
    await openSessionFor(db, dev.id, { trust: "trusted" });
    const listed = await (await listDevices(await as(admin.id, "/api/admin/devices"))).json();
    expect(listed.devices[0]).toMatchObject({ device_id: s.deviceId, trust: "pending", user_email: dev.email });
    expect(listed.pending_count).toBe(1);

    expect((await myTokens(bearerRequest(s.token, "/x"))).status).toBe(200);
    const approved = await approveDevice(await as(admin.id, "/x", { method: "POST" }), routeParams({ id: s.devicePk }));
    expect((await approved.json()).device.trust).toBe("trusted");
    expect((await eventsOf("device.approved", s.devicePk)).length).toBe(1);

    const revoked = await revokeDevice(await as(admin.id, "/x", { method: "POST" }), routeParams({ id: s.devicePk }));
    expect((await revoked.json()).device).toMatchObject({ trust: "revoked", sessions_ended: 1 });
    const after = await getSession(bearerRequest(s.token, "/x"), routeParams({ id: s.sessionId }));
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toMatch(/device was revoked/);
    expect((await eventsOf("device.revoked", s.devicePk))[0].details).toMatchObject({ sessions_ended: [s.sessionId] });
    expect((await approveDevice(await as(admin.id, "/x", { method: "POST" }), routeParams({ id: "00000000-0000-4000-8000-000000000000" }))).status).toBe(404);
  });

  it("policies: CRUD, audited, and consulted by assertPolicies (deny wins)", async () => {
    const res = await createPolicy(await as(admin.id, "/x", json({ kind: "agent", target: "claude", subject_type: "role", subject_role: "DEVELOPER", effect: "deny" })));
    expect(res.status).toBe(201);
    const policy = await res.json();
    expect((await eventsOf("policy.created", policy.id)).length).toBe(1);
    const ctx = (await contextForUser(db, dev.id, { via: "browser", requestId: "r-12345678", ip: null, userAgent: null }))!;
    await expect(assertPolicies(db, ctx, { agentType: "claude" })).rejects.toMatchObject({ code: "forbidden" });
    await assertPolicies(db, ctx, { agentType: "ollama" });

    const flipped = await patchPolicy(await as(admin.id, "/x", json({ effect: "allow" }, "PATCH")), routeParams({ id: policy.id }));
    expect((await flipped.json()).effect).toBe("allow");
    await assertPolicies(db, ctx, { agentType: "claude" });
    // A user-level deny on every skill wins over the role-level allow for the agent.
    const userRule = await createPolicy(await as(admin.id, "/x", json({ kind: "skill", target: "*", subject_type: "user", subject_user_id: dev.id, effect: "deny" })));
    expect(userRule.status).toBe(201);
    await expect(assertPolicies(db, ctx, { agentType: "claude", skills: ["pdf"] })).rejects.toMatchObject({ code: "forbidden" });

    const bad = [
      { kind: "agent", target: "x", subject_type: "role", effect: "deny" },
      { kind: "agent", target: "x", subject_type: "user", subject_role: "ADMIN", effect: "deny" },
      { kind: "agent", target: "../etc", subject_type: "role", subject_role: "ADMIN", effect: "deny" },
      { kind: "agent", target: "x", subject_type: "user", subject_user_id: "00000000-0000-4000-8000-000000000000", effect: "deny" },
    ];
    for (const body of bad) expect((await createPolicy(await as(admin.id, "/x", json(body)))).status, JSON.stringify(body)).toBe(422);

    const listed = await (await listPolicies(await as(admin.id, "/api/admin/policies?kind=agent"))).json();
    expect(listed.policies.map((p: { id: string }) => p.id)).toEqual([policy.id]);
    expect((await deletePolicy(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: policy.id }))).status).toBe(204);
    expect((await eventsOf("policy.deleted", policy.id)).length).toBe(1);
    expect((await deletePolicy(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: policy.id }))).status).toBe(404);
  });

  it("admins list and revoke anyone's tokens and list anyone's sessions", async () => {
    const t = await apiTokenFor(db, dev.id, { name: "dev-ci" });
    const listed = await (await listAllTokens(await as(admin.id, `/api/admin/tokens?user_id=${dev.id}`))).json();
    expect(listed.tokens.map((x: { id: string }) => x.id)).toContain(t.id);
    expect((await adminRevokeToken(await as(admin.id, "/x", { method: "DELETE" }), routeParams({ id: t.id }))).status).toBe(200);
    expect((await myTokens(bearerRequest(t.token, "/x"))).status).toBe(401);
    const s = await openSessionFor(db, dev.id);
    const sessions = await (await listAllSessions(await as(admin.id, `/api/admin/sessions?user_id=${dev.id}`))).json();
    expect(sessions.sessions.map((x: { session_id: string }) => x.session_id)).toContain(s.sessionId);
  });

  it("getUser never includes a password hash", async () => {
    const res = await getUser(await as(admin.id, "/x"), routeParams({ id: dev.id }));
    const text = await res.text();
    expect(text).not.toMatch(/password|hash|argon2/i);
    const [row] = await db.select().from(users).where(eq(users.id, dev.id));
    expect(text).not.toContain(row.passwordHash!);
  });
});
