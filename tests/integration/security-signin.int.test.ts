import { and, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { GET as authGet, POST as authPost } from "../../app/api/auth/[...nextauth]/route";
import { auditEvents, users } from "../../lib/db/schema";
import { oauthAdapter, oauthUserAllowed } from "../../lib/security/oauth";
import { manualClock, setClock } from "../../lib/security/clock";
import { SIGN_IN_LIMITS, checkSignIn } from "../../lib/security/sign-in";
import { useTestDatabase } from "../support/db";
import { createUser } from "../support/auth";

describe("sign-in: audit and throttling", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  afterEach(() => setClock(undefined));

  it("audits success and failure", async () => {
    const ada = await createUser(db, { name: "Ada" });
    expect(await checkSignIn(db, { email: ada.email.toUpperCase(), password: ada.password, ip: "10.0.0.1" })).toMatchObject({ ok: true, user: { id: ada.id } });
    expect(await checkSignIn(db, { email: ada.email, password: "wrong password", ip: "10.0.0.1" })).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await checkSignIn(db, { email: "nobody@example.com", password: "wrong password", ip: "10.0.0.1" })).toEqual({ ok: false, reason: "invalid_credentials" });
    const ok = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "auth.signin_succeeded"), eq(auditEvents.actorUserId, ada.id)));
    expect(ok).toHaveLength(1);
    const failed = await db.select().from(auditEvents).where(eq(auditEvents.eventType, "auth.signin_failed"));
    expect(failed.map((e) => e.actorUserId)).toEqual([ada.id, null]);
    expect(failed.every((e) => e.ip === "10.0.0.1")).toBe(true);
  });

  it("throttles one account after repeated failures, even with the right password, until the window ends", async () => {
    const clock = manualClock(new Date("2032-01-01T00:00:00Z"));
    setClock(clock.now);
    const bob = await createUser(db, { name: "Bob" });
    for (let i = 0; i < SIGN_IN_LIMITS.account.limit; i++) {
      expect((await checkSignIn(db, { email: bob.email, password: "guess " + i, ip: `10.1.0.${i}` })).ok).toBe(false);
    }
    const blocked = await checkSignIn(db, { email: bob.email, password: bob.password, ip: "10.9.9.9" });
    expect(blocked).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 15 * 60 });
    const denied = await db.select().from(auditEvents).where(sql`${auditEvents.details}->>'reason' = 'rate_limited'`);
    expect(denied.length).toBe(1);
    clock.advance(SIGN_IN_LIMITS.account.windowMs);
    expect((await checkSignIn(db, { email: bob.email, password: bob.password, ip: "10.9.9.9" })).ok).toBe(true);
  });

  it("a success resets the account counter", async () => {
    const carol = await createUser(db, { name: "Carol" });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < SIGN_IN_LIMITS.account.limit - 1; i++) await checkSignIn(db, { email: carol.email, password: "nope nope", ip: null });
      expect((await checkSignIn(db, { email: carol.email, password: carol.password, ip: null })).ok).toBe(true);
    }
  });

  it("throttles one IP spraying many accounts", async () => {
    const clock = manualClock(new Date("2032-02-01T00:00:00Z"));
    setClock(clock.now);
    const dave = await createUser(db, { name: "Dave" });
    for (let i = 0; i < SIGN_IN_LIMITS.ip.limit; i++) await checkSignIn(db, { email: `spray${i}@example.com`, password: "x", ip: "203.0.113.7" });
    expect(await checkSignIn(db, { email: dave.email, password: dave.password, ip: "203.0.113.7" })).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((await checkSignIn(db, { email: dave.email, password: dave.password, ip: "203.0.113.8" })).ok).toBe(true);
  });

  it("the next-auth credentials callback answers 429 with Retry-After while throttled", async () => {
    const clock = manualClock(new Date("2032-03-01T00:00:00Z"));
    setClock(clock.now);
    const erin = await createUser(db, { name: "Erin" });
    for (let i = 0; i < SIGN_IN_LIMITS.account.limit; i++) await checkSignIn(db, { email: erin.email, password: "bad password", ip: null });
    const form = new URLSearchParams({ email: erin.email, password: erin.password, csrfToken: "x" });
    const req = new Request("http://localhost/api/auth/callback/credentials", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
    const res = await authPost(req as never);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBe(15 * 60);
    const body = await res.json();
    expect(body.error.code).toBe("rate_limited");
    expect(new URL(body.url).searchParams.get("code")).toBe("rate_limited");

    // Once the window has passed, the same request signs in through next-auth for real.
    clock.advance(SIGN_IN_LIMITS.account.windowMs);
    const csrf = await authGet(new Request("http://localhost/api/auth/csrf") as never);
    const { csrfToken } = await csrf.json();
    const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const again = new Request("http://localhost/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ email: erin.email, password: erin.password, csrfToken, callbackUrl: "http://localhost/" }),
    });
    const signedIn = await authPost(again as never);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token="))).toBe(true);
  });

  it("the OAuth adapter maps to our tables: first-time provider users are GUESTs, disabled ones are refused", async () => {
    const adapter = oauthAdapter(db);
    const created = await adapter.createUser!({ id: "provider-id", email: "Octo@Example.com", emailVerified: null, name: "Octo" });
    const [row] = await db.select().from(users).where(eq(users.id, created.id));
    expect(row).toMatchObject({ email: "octo@example.com", role: "GUEST", passwordHash: null });
    await adapter.linkAccount!({ userId: created.id, type: "oauth", provider: "github", providerAccountId: "4242" });
    expect(await adapter.getUserByAccount!({ provider: "github", providerAccountId: "4242" })).toMatchObject({ id: created.id, email: "octo@example.com" });
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "user.created"), eq(auditEvents.resourceId, created.id)));
    expect(event.details).toEqual({ via: "oauth", role: "GUEST" });
    expect(await oauthUserAllowed(db, created.id)).toBe(true);
    expect(await oauthUserAllowed(db, "4242")).toBe(true);
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, created.id));
    expect(await oauthUserAllowed(db, created.id)).toBe(false);
  });
});
