import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { apiTokens, auditEvents } from "../../lib/db/schema";
import { manualClock, setClock } from "../../lib/security/clock";
import { useTestDatabase } from "../support/db";
import { apiTokenFor, bearerRequest, browserRequest, createUser, routeParams } from "../support/auth";
import { routeHandlers } from "../support/api";

const { GET: listTokens, POST: createToken } = routeHandlers("/api/account/tokens");
const { DELETE: revokeToken } = routeHandlers("/api/account/tokens/{id}");
const { GET: listMySessions } = routeHandlers("/api/account/sessions");
const { GET: listMyDevices } = routeHandlers("/api/account/devices");
const { POST: openSession } = routeHandlers("/api/runtime/sessions");

describe("authentication: API tokens, bearer handling, CSRF", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const ada = await createUser(db, { name: "Ada", role: "DEVELOPER" });

  afterEach(() => setClock(undefined));

  it("creates a token shown once, lists it without secret or hash, and it authenticates", async () => {
    const res = await createToken(await browserRequest(ada.id, "/api/account/tokens", { method: "POST", body: JSON.stringify({ name: "ci", expires_in_days: 30 }) }));
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.token).toMatch(/^ccl_pat_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.token.slice(0, 14));
    expect(created.status).toBe("active");
    expect(new Date(created.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const listed = await (await listTokens(bearerRequest(created.token, "/api/account/tokens"))).json();
    expect(listed.tokens).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(JSON.stringify(listed)).not.toMatch(/hash/);
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row.tokenHash).not.toContain(created.token);
    expect(row.lastUsedAt).not.toBeNull();

    const events = await db.select().from(auditEvents).where(eq(auditEvents.eventType, "token.created"));
    expect(events.map((e) => e.resourceId)).toContain(created.id);
  });

  it("updates last_used_at at most once a minute", async () => {
    const clock = manualClock(new Date("2030-01-01T00:00:00Z"));
    setClock(clock.now);
    const { id, token } = await apiTokenFor(db, ada.id);
    const lastUsed = async () => (await db.select({ t: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.id, id)))[0].t;
    await listTokens(bearerRequest(token, "/api/account/tokens"));
    expect(await lastUsed()).toEqual(clock.now());
    clock.advance(30_000);
    await listTokens(bearerRequest(token, "/api/account/tokens"));
    expect(await lastUsed()).toEqual(new Date("2030-01-01T00:00:00Z"));
    clock.advance(31_000);
    await listTokens(bearerRequest(token, "/api/account/tokens"));
    expect(await lastUsed()).toEqual(clock.now());
  });

  it("rejects revoked, expired, unknown and malformed bearers with 401 and a reason", async () => {
    const { id, token } = await apiTokenFor(db, ada.id);
    expect((await listTokens(bearerRequest(token, "/api/account/tokens"))).status).toBe(200);
    const revoked = await revokeToken(await browserRequest(ada.id, `/api/account/tokens/${id}`, { method: "DELETE" }), routeParams({ id }));
    expect(revoked.status).toBe(200);
    const after = await listTokens(bearerRequest(token, "/api/account/tokens"));
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toMatch(/revoked/);
    expect((await db.select().from(auditEvents).where(eq(auditEvents.eventType, "token.revoked"))).map((e) => e.resourceId)).toContain(id);

    const expired = await apiTokenFor(db, ada.id, { expiresAt: new Date(Date.now() - 1000) });
    const expiredRes = await listTokens(bearerRequest(expired.token, "/api/account/tokens"));
    expect(expiredRes.status).toBe(401);
    expect((await expiredRes.json()).error.message).toMatch(/expired/);

    for (const bad of ["ccl_pat_nope", "ccl_ses_nope", "something-else"]) {
      const res = await listTokens(bearerRequest(bad, "/api/account/tokens"));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    }
    const malformed = await listTokens(new Request("http://localhost/api/account/tokens", { headers: { authorization: "Basic abc" } }));
    expect(malformed.status).toBe(401);
  });

  it("a bad bearer never falls back to a valid cookie", async () => {
    const req = await browserRequest(ada.id, "/api/account/tokens", { headers: { authorization: "Bearer ccl_pat_wrong" } });
    expect((await listTokens(req)).status).toBe(401);
  });

  it("never accepts credentials in the URL", async () => {
    const { token } = await apiTokenFor(db, ada.id);
    const res = await listTokens(new Request(`http://localhost/api/account/tokens?access_token=${token}`));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/never accepted in the URL/);
    expect((await listTokens(new Request(`http://localhost/api/account/tokens?x=${token}`))).status).toBe(400);
  });

  it("refuses another user's token id with 404", async () => {
    const bob = await createUser(db, { name: "Bob" });
    const { id } = await apiTokenFor(db, ada.id);
    const res = await revokeToken(await browserRequest(bob.id, `/api/account/tokens/${id}`, { method: "DELETE" }), routeParams({ id }));
    expect(res.status).toBe(404);
  });

  it("refuses cross-site cookie writes (CSRF) but not same-origin ones or bearer calls", async () => {
    const body = JSON.stringify({ name: "x" });
    const foreign = await browserRequest(ada.id, "http://localhost/api/account/tokens", { method: "POST", body, headers: { origin: "https://evil.example" } });
    const res = await createToken(foreign);
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/Cross-site/);
    const nullOrigin = await browserRequest(ada.id, "http://localhost/api/account/tokens", { method: "POST", body, headers: { origin: "null" } });
    expect((await createToken(nullOrigin)).status).toBe(403);
    const crossFetch = await browserRequest(ada.id, "http://localhost/api/account/tokens", { method: "POST", body, headers: { "sec-fetch-site": "cross-site" } });
    expect((await createToken(crossFetch)).status).toBe(403);
    const same = await browserRequest(ada.id, "http://localhost/api/account/tokens", { method: "POST", body, headers: { origin: "http://localhost" } });
    expect((await createToken(same)).status).toBe(201);
    const { token } = await apiTokenFor(db, ada.id);
    const bearer = bearerRequest(token, "http://localhost/api/account/tokens", { method: "POST", body, headers: { origin: "https://evil.example" } });
    expect((await createToken(bearer)).status).toBe(201);
    // Reads are not state-changing: a foreign origin may not read the body anyway (no CORS).
    const read = await browserRequest(ada.id, "http://localhost/api/account/tokens", { headers: { origin: "https://evil.example" } });
    expect((await listTokens(read)).status).toBe(200);
  });

  it("validates token input: bad names and past expiry are 422", async () => {
    for (const body of [{ name: "" }, { name: "x", expires_at: "2001-01-01T00:00:00Z" }, { name: "x", expires_in_days: 0 }, { name: "x", extra: 1 }]) {
      const res = await createToken(await browserRequest(ada.id, "/api/account/tokens", { method: "POST", body: JSON.stringify(body) }));
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });

  it("lists my sessions and devices", async () => {
    const opened = await openSession(await browserRequest(ada.id, "/api/runtime/sessions", { method: "POST", body: JSON.stringify({ device_id: "laptop-1", device_name: "Ada's laptop" }) }));
    expect(opened.status).toBe(201);
    const { session_id } = await opened.json();
    const sessions = await (await listMySessions(await browserRequest(ada.id, "/api/account/sessions"))).json();
    expect(sessions.sessions.map((s: { session_id: string }) => s.session_id)).toContain(session_id);
    const devices = await (await listMyDevices(await browserRequest(ada.id, "/api/account/devices"))).json();
    expect(devices.devices).toEqual([expect.objectContaining({ device_id: "laptop-1", name: "Ada's laptop", trust: "pending" })]);
  });
});
