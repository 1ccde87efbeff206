import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { GET as authGet, POST as authPost } from "../../app/api/auth/[...nextauth]/route";
import { auditEvents, browserSessions, runtimeSessions } from "../../lib/db/schema";
import { manualClock, setClock } from "../../lib/security/clock";
import { callApi } from "../support/api";
import { apiTokenFor, bearerRequest, cookieFor, createUser, openSessionFor, sessionCookieFor, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";

const BASE = "http://localhost";
const DAY = 24 * 3600_000;

/** A request as a browser holding `cookie` sends it. */
function asBrowser(cookie: string, path: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("cookie", cookie);
  if (init.body) headers.set("content-type", "application/json");
  return new Request(new URL(path, BASE), { ...init, headers });
}

/** The status the API answers a browser holding `cookie` on a signed-in route. */
async function statusWith(cookie: string): Promise<number> {
  return (await callApi(asBrowser(cookie, "/api/account/browser-sessions"))).status;
}

/** Sign in through next-auth's own credentials callback, as the sign-in form does; returns the session cookie. */
async function signInForReal(user: TestUser, password = user.password): Promise<string> {
  const csrf = await authGet(new Request(`${BASE}/api/auth/csrf`) as never);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await authPost(
    new Request(`${BASE}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
      body: new URLSearchParams({ email: user.email, password, csrfToken, callbackUrl: `${BASE}/` }),
    }) as never,
  );
  const session = res.headers.getSetCookie().find((c) => c.startsWith("authjs.session-token="));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${res.headers.get("location")}`);
  return `${session.split(";")[0]}; ${csrfCookie}`;
}

/** Sign out through next-auth's own route, as the user menu does. */
async function signOutForReal(cookie: string): Promise<void> {
  const csrf = await authGet(new Request(`${BASE}/api/auth/csrf`, { headers: { cookie } }) as never);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await authPost(
    new Request(`${BASE}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ csrfToken, callbackUrl: `${BASE}/signin` }),
    }) as never,
  );
  expect(res.status).toBe(302);
}

describe("browser sessions end on the server", async () => {
  const { db } = await useTestDatabase();

  it("a cookie captured before sign-out stops working after it, while the person's other browsers stay signed in", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const laptop = await signInForReal(ada);
    const phone = await signInForReal(ada);
    expect(await statusWith(laptop)).toBe(200);
    const captured = laptop;

    await signOutForReal(laptop);

    expect(await statusWith(captured)).toBe(401);
    expect(await statusWith(phone)).toBe(200);
    // next-auth's own session endpoint agrees: no session, and the cookie is cleared.
    const session = await authGet(new Request(`${BASE}/api/auth/session`, { headers: { cookie: captured } }) as never);
    expect(await session.json()).toBeNull();
    expect(session.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token=;") || /authjs\.session-token=.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i.test(c))).toBe(true);
    const live = await authGet(new Request(`${BASE}/api/auth/session`, { headers: { cookie: phone } }) as never);
    expect(await live.json()).toMatchObject({ user: { id: ada.id } });
    const [row] = await db.select().from(browserSessions).where(and(eq(browserSessions.userId, ada.id), eq(browserSessions.endedReason, "signed_out")));
    expect(row.endedAt).toBeInstanceOf(Date);
    const audited = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "auth.signed_out"), eq(auditEvents.actorUserId, ada.id)));
    expect(audited).toHaveLength(1);
  });

  it("a cookie without a server-side session (forged or from before sessions were tracked) is not signed in", async () => {
    const ada = await createUser(db, { name: "Ada" });
    expect(await statusWith(await cookieFor(ada.id, null))).toBe(401);
    expect(await statusWith(await cookieFor(ada.id, crypto.randomUUID()))).toBe(401);
    // Someone else's session id in a cookie for Ada: refused too.
    const bob = await createUser(db, { name: "Bob" });
    const bobCookie = await sessionCookieFor(bob.id);
    const [bobSession] = await db.select({ id: browserSessions.id }).from(browserSessions).where(eq(browserSessions.userId, bob.id));
    expect(await statusWith(bobCookie)).toBe(200);
    expect(await statusWith(await cookieFor(ada.id, bobSession.id))).toBe(401);
  });

  it("changing the password needs the current one and ends the person's other sessions, not this one", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const here = await sessionCookieFor(ada.id);
    const elsewhere = await sessionCookieFor(ada.id);
    // Opening the runtime session signs in one more browser (the helper goes through the API).
    const cli = await openSessionFor(db, ada.id);
    const { token } = await apiTokenFor(db, ada.id);

    const wrong = await callApi(asBrowser(here, "/api/account/password", { method: "POST", body: JSON.stringify({ current_password: "not my password", new_password: "a brand new passphrase" }) }));
    expect(wrong.status).toBe(403);
    expect(await statusWith(elsewhere)).toBe(200);
    const short = await callApi(asBrowser(here, "/api/account/password", { method: "POST", body: JSON.stringify({ current_password: ada.password, new_password: "short" }) }));
    expect(short.status).toBe(422);

    const changed = await callApi(asBrowser(here, "/api/account/password", { method: "POST", body: JSON.stringify({ current_password: ada.password, new_password: "a brand new passphrase" }) }));
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ browser_sessions_ended: 2, runtime_sessions_ended: 1 });

    expect(await statusWith(here)).toBe(200);
    expect(await statusWith(elsewhere)).toBe(401);
    expect((await callApi(bearerRequest(cli.token, "/api/account/sessions"))).status).toBe(401);
    // API tokens are managed on their own: they keep working.
    expect((await callApi(bearerRequest(token, "/api/account/sessions"))).status).toBe(200);
    // The new password signs in, the old one no longer does.
    await expect(signInForReal(ada, ada.password)).rejects.toThrow(/sign-in failed/);
    expect(await statusWith(await signInForReal(ada, "a brand new passphrase"))).toBe(200);
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "auth.password_changed"), eq(auditEvents.actorUserId, ada.id)));
    expect(event.details).toMatchObject({ browser_sessions_ended: 2, runtime_sessions_ended: 1 });
  });

  it("sign out everywhere ends every browser and runtime session of the person, this one included", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const bob = await createUser(db, { name: "Bob" });
    const here = await sessionCookieFor(ada.id);
    const elsewhere = await sessionCookieFor(ada.id);
    const bobs = await sessionCookieFor(bob.id);
    const cli = await openSessionFor(db, ada.id); // (one more browser sign-in, through the API)

    const res = await callApi(asBrowser(here, "/api/account/sign-out-everywhere", { method: "POST" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ browser_sessions_ended: 3, runtime_sessions_ended: 1 });
    expect(await statusWith(here)).toBe(401);
    expect(await statusWith(elsewhere)).toBe(401);
    expect(await statusWith(bobs)).toBe(200);
    const [session] = await db.select().from(runtimeSessions).where(eq(runtimeSessions.id, cli.sessionId));
    expect(session.endedReason).toBe("signed_out_everywhere");
  });

  it("a session on a pending device cannot sign its owner out everywhere", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const browser = await sessionCookieFor(ada.id);
    const pending = await openSessionFor(db, ada.id, { trust: "pending" });
    expect((await callApi(bearerRequest(pending.token, "/api/account/sign-out-everywhere", { method: "POST" }))).status).toBe(403);
    expect(await statusWith(browser)).toBe(200);
  });

  it("lists where the person is signed in and signs one browser out", async () => {
    const ada = await createUser(db, { name: "Ada" });
    const here = await sessionCookieFor(ada.id);
    const other = await sessionCookieFor(ada.id);
    const list = (await (await callApi(asBrowser(here, "/api/account/browser-sessions"))).json()) as { browser_sessions: { id: string; current: boolean }[] };
    expect(list.browser_sessions).toHaveLength(2);
    const notHere = list.browser_sessions.find((s) => !s.current)!;
    expect(list.browser_sessions.filter((s) => s.current)).toHaveLength(1);

    // Bob cannot see or end Ada's.
    const bob = await createUser(db, { name: "Bob" });
    expect((await callApi(asBrowser(await sessionCookieFor(bob.id), `/api/account/browser-sessions/${notHere.id}`, { method: "DELETE" }))).status).toBe(404);
    expect(await statusWith(other)).toBe(200);

    expect((await callApi(asBrowser(here, `/api/account/browser-sessions/${notHere.id}`, { method: "DELETE" }))).status).toBe(204);
    expect(await statusWith(other)).toBe(401);
    expect(await statusWith(here)).toBe(200);
  });

  it("a browser session idle for 7 days has ended; use slides its expiry, like the cookie's", async () => {
    const clock = manualClock(new Date("2031-05-01T00:00:00Z"));
    setClock(clock.now);
    try {
      const ada = await createUser(db, { name: "Ada" });
      const cookie = await sessionCookieFor(ada.id);
      for (let week = 0; week < 3; week++) {
        clock.advance(6 * DAY);
        expect(await statusWith(cookie)).toBe(200);
      }
      clock.advance(7 * DAY + 60_000);
      expect(await statusWith(cookie)).toBe(401);
    } finally {
      setClock(undefined);
    }
  });

  it("disabling a user or changing their role ends their browser sessions on the server", async () => {
    const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
    const adminCookie = await sessionCookieFor(admin.id);
    const ada = await createUser(db, { name: "Ada" });
    const adaCookie = await sessionCookieFor(ada.id);
    const patch = (body: object) => callApi(asBrowser(adminCookie, `/api/admin/users/${ada.id}`, { method: "PATCH", body: JSON.stringify(body) }));

    expect((await patch({ role: "VIEWER" })).status).toBe(200);
    expect(await statusWith(adaCookie)).toBe(401);
    const [roleEvent] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "role.changed"), eq(auditEvents.resourceId, ada.id)));
    expect(roleEvent.details).toMatchObject({ browser_sessions_ended: 1 });

    const again = await sessionCookieFor(ada.id);
    expect(await statusWith(again)).toBe(200);
    expect((await patch({ disabled: true })).status).toBe(200);
    expect((await patch({ disabled: false })).status).toBe(200);
    // Enabling the account again does not bring the old cookie back.
    expect(await statusWith(again)).toBe(401);
  });

  describe("admin password reset links", () => {
    const issue = async (adminCookie: string, userId: string, body: object = {}) =>
      callApi(asBrowser(adminCookie, `/api/admin/users/${userId}/password-reset`, { method: "POST", body: JSON.stringify(body) }));
    const spend = (token: string, password: string) => callApi(new Request(`${BASE}/api/password-reset`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, password }) }));

    it("a one-time link, hashed at rest, that sets the password once and ends every session of the account", async () => {
      const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
      const adminCookie = await sessionCookieFor(admin.id);
      const ada = await createUser(db, { name: "Ada" });
      const adaCookie = await sessionCookieFor(ada.id);
      const cli = await openSessionFor(db, ada.id);

      const res = await issue(adminCookie, ada.id);
      expect(res.status).toBe(201);
      const link = (await res.json()) as { token: string; url: string; email: string; expires_at: string; link_warning: string | null };
      expect(link.email).toBe(ada.email);
      // Built from the address the admin browses at; a loopback one only opens on this machine, and the answer says so.
      expect(link.url).toBe(`http://localhost/reset-password#token=${link.token}`);
      expect(link.link_warning).toMatch(/only on this machine/);
      expect(new Date(link.expires_at).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
      // Not stored in clear anywhere.
      const stored = JSON.stringify(await db.select().from((await import("../../lib/db/schema")).passwordResets));
      expect(stored).not.toContain(link.token);

      const [first, second] = await Promise.all([spend(link.token, "the new passphrase 1"), spend(link.token, "the new passphrase 2")]);
      expect([first.status, second.status].sort()).toEqual([200, 403]);
      const winner = first.status === 200 ? "the new passphrase 1" : "the new passphrase 2";
      expect((await spend(link.token, "yet another passphrase")).status).toBe(403);

      expect(await statusWith(adaCookie)).toBe(401);
      expect((await callApi(bearerRequest(cli.token, "/api/account/sessions"))).status).toBe(401);
      expect(await statusWith(await signInForReal(ada, winner))).toBe(200);
      const types = (await db.select({ t: auditEvents.eventType }).from(auditEvents).where(eq(auditEvents.resourceId, ada.id))).map((e) => e.t);
      expect(types).toEqual(expect.arrayContaining(["auth.password_reset_issued", "auth.password_reset"]));
    });

    it("a newer link withdraws the older; an expired link or a disabled account's is refused", async () => {
      const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
      const adminCookie = await sessionCookieFor(admin.id);
      const ada = await createUser(db, { name: "Ada" });
      const older = (await (await issue(adminCookie, ada.id)).json()) as { token: string };
      const newer = (await (await issue(adminCookie, ada.id, { expires_in_hours: 1 })).json()) as { token: string; id: string };
      expect((await spend(older.token, "the new passphrase")).status).toBe(403);

      const { passwordResets, users } = await import("../../lib/db/schema");
      await db.update(passwordResets).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(passwordResets.id, newer.id));
      expect((await spend(newer.token, "the new passphrase")).status).toBe(403);

      const third = (await (await issue(adminCookie, ada.id)).json()) as { token: string; id: string };
      await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, ada.id));
      expect((await spend(third.token, "the new passphrase")).status).toBe(403);
      // Refused, not spent: it still works once the account is enabled again.
      await db.update(users).set({ disabledAt: null }).where(eq(users.id, ada.id));
      expect((await spend(third.token, "the new passphrase")).status).toBe(200);
    });

    it("only admins issue links; unknown users answer 404", async () => {
      const dev = await createUser(db, { name: "Dev" });
      const ada = await createUser(db, { name: "Ada" });
      expect((await issue(await sessionCookieFor(dev.id), ada.id)).status).toBe(403);
      const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
      expect((await issue(await sessionCookieFor(admin.id), crypto.randomUUID())).status).toBe(404);
    });
  });
});
