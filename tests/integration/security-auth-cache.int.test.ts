import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { apiTokens } from "../../lib/db/schema";
import { resolveApiToken } from "../../lib/security/api-tokens";
import { CredentialCache, credentialCacheFor, type CachedCredential } from "../../lib/security/auth-cache";
import { manualClock, setClock } from "../../lib/security/clock";
import { apiTokenFor, bearerRequest, browserRequest, createUser, openSessionFor } from "../support/auth";
import { callApi } from "../support/api";
import { useTestDatabase } from "../support/db";

const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

/**
 * The HTTP API remembers accepted bearer credentials (lib/security/auth-cache.ts). Whatever
 * ends, narrows or widens one must count from the next request on the node that made the change,
 * and on the others once the credential notice arrives (or within the cache's lifetime when it
 * is lost).
 */
describe("authentication cache: forgets at once on this node, on notice elsewhere", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
  const cache = credentialCacheFor<CachedCredential>(database);

  afterEach(() => setClock(undefined));

  const submit = (token: string) => callApi(bearerRequest(token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say: cached" })));
  const asAdmin = async (path: string, init: RequestInit) => callApi(await browserRequest(admin.id, path, init));
  /** Use the token until the cache remembers it (the cache starts answering once its LISTEN is in place). */
  const remembered = async (token: string) => {
    await expect.poll(async () => {
      expect((await submit(token)).status).toBe(202);
      return cache.size;
    }).toBeGreaterThan(0);
  };

  it("a token revoked on this node is refused by the very next request", async () => {
    const user = await createUser(db, { role: "DEVELOPER" });
    const { id, token } = await apiTokenFor(db, user.id);
    await remembered(token);
    expect((await callApi(await browserRequest(user.id, `/api/account/tokens/${id}`, { method: "DELETE" }))).status).toBe(200);
    const res = await submit(token);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/revoked/);
  });

  it("a disabled account, a role change, a withdrawn grant and an added one count from the next request", async () => {
    const user = await createUser(db, { role: "VIEWER" });
    const { token } = await apiTokenFor(db, user.id);
    expect((await submit(token)).status).toBe(403);
    for (const permission of ["task:submit", "agent:execute"]) {
      expect((await asAdmin(`/api/admin/users/${user.id}/grants`, post({ permission }))).status).toBeLessThan(300);
    }
    await remembered(token);
    expect((await asAdmin(`/api/admin/users/${user.id}/grants/agent:execute`, { method: "DELETE" })).status).toBeLessThan(300);
    expect((await submit(token)).status).toBe(403);

    expect((await asAdmin(`/api/admin/users/${user.id}`, { method: "PATCH", body: JSON.stringify({ role: "DEVELOPER" }) })).status).toBe(200);
    await remembered(token);
    expect((await asAdmin(`/api/admin/users/${user.id}`, { method: "PATCH", body: JSON.stringify({ role: "VIEWER" }) })).status).toBe(200);
    expect((await submit(token)).status).toBe(403);

    expect((await asAdmin(`/api/admin/users/${user.id}`, { method: "PATCH", body: JSON.stringify({ role: "DEVELOPER" }) })).status).toBe(200);
    await remembered(token);
    expect((await asAdmin(`/api/admin/users/${user.id}`, { method: "PATCH", body: JSON.stringify({ disabled: true }) })).status).toBe(200);
    expect((await submit(token)).status).toBe(401);
  });

  it("an ended session, a revoked device and an approved one count from the next request", async () => {
    const user = await createUser(db, { role: "DEVELOPER" });
    const pending = await openSessionFor(db, user.id, { trust: "pending" });
    expect((await submit(pending.token)).status).toBe(403);
    expect((await asAdmin(`/api/admin/devices/${pending.devicePk}/approve`, post({}))).status).toBe(200);
    await remembered(pending.token);
    expect((await asAdmin(`/api/admin/devices/${pending.devicePk}/revoke`, post({}))).status).toBe(200);
    expect((await submit(pending.token)).status).toBe(401);

    const other = await openSessionFor(db, user.id);
    await remembered(other.token);
    expect((await callApi(bearerRequest(other.token, `/api/runtime/sessions/${other.sessionId}`, { method: "DELETE" }))).status).toBeLessThan(300);
    expect((await submit(other.token)).status).toBe(401);
  });

  it("a remembered token is refused the moment it expires", async () => {
    const clock = manualClock(new Date(Date.now()));
    setClock(clock.now);
    const user = await createUser(db, { role: "DEVELOPER" });
    const { token } = await apiTokenFor(db, user.id, { expiresAt: new Date(clock.now().getTime() + 60_000) });
    await remembered(token);
    clock.advance(61_000);
    const res = await submit(token);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/expired/);
  });

  it("a change written without a notice is read again once the cache's lifetime is over", async () => {
    const user = await createUser(db, { role: "DEVELOPER" });
    const { id, token } = await apiTokenFor(db, user.id);
    const shortLived = new CredentialCache<CachedCredential>(database, 50);
    try {
      await expect.poll(async () => (await resolveApiToken(db, token, shortLived)).ok && shortLived.size).toBe(1);
      await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
      await expect.poll(async () => (await resolveApiToken(db, token, shortLived)).ok).toBe(false);
    } finally {
      await shortLived.close();
    }
  });
});
