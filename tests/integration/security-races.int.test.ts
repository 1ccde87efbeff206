import { and, eq, isNull } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { apiTokens, auditEvents, devices, invites, users } from "../../lib/db/schema";
import { createApiToken, revokeApiToken } from "../../lib/security/api-tokens";
import { approveOwnDevice, decideDevice, touchDevice } from "../../lib/security/devices";
import { acceptInvite, createInvite } from "../../lib/security/invites";
import { completeSetup } from "../../lib/security/setup";
import { SIGN_IN_LIMITS, checkSignIn } from "../../lib/security/sign-in";
import { hashSecret, newSecret } from "../../lib/security/tokens";
import { updateUser } from "../../lib/security/users-admin";
import { createTestDatabase, useTestDatabase } from "../support/db";
import { createUser } from "../support/auth";
import { contextFor } from "../support/engine";

/**
 * Check-then-act races, with real concurrency on PostgreSQL (TEST_DB=postgres; on PGlite the same
 * requests run one after another and must give the same answers). Each case fires its requests
 * at once and asserts an outcome that no serial order could have produced is impossible.
 */
describe("no check-then-act races", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const settle = <T,>(work: Promise<T>[]) => Promise.allSettled(work);
  const fulfilled = <T,>(results: PromiseSettledResult<T>[]) => results.filter((r): r is PromiseFulfilledResult<T> => r.status === "fulfilled");
  const rejected = (results: PromiseSettledResult<unknown>[]) => results.filter((r): r is PromiseRejectedResult => r.status === "rejected");

  it("the sign-in throttle evaluates at most `limit` of 20 simultaneous guesses", async () => {
    const victim = await createUser(db, { name: "Victim" });
    const guesses = Array.from({ length: 20 }, (_, i) => checkSignIn(db, { email: victim.email, password: `guess ${i}`, ip: `198.51.100.${i}` }));
    const results = await Promise.all(guesses);
    const evaluated = results.filter((r) => !r.ok && r.reason === "invalid_credentials");
    expect(evaluated).toHaveLength(SIGN_IN_LIMITS.account.limit);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(20 - SIGN_IN_LIMITS.account.limit);
    // The right password is refused too while the window lasts.
    expect(await checkSignIn(db, { email: victim.email, password: victim.password, ip: "198.51.100.99" })).toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("the right password hidden among 20 simultaneous guesses is checked only if it is among the first `limit`", async () => {
    const target = await createUser(db, { name: "Target" });
    const attempts = Array.from({ length: 20 }, (_, i) => checkSignIn(db, { email: target.email, password: i === 10 ? target.password : `guess ${i}`, ip: null }));
    const results = await Promise.all(attempts);
    const checked = results.filter((r) => r.ok || r.reason === "invalid_credentials");
    expect(checked.length).toBeLessThanOrEqual(SIGN_IN_LIMITS.account.limit);
  });

  it("device self-approval racing an admin's revoke always ends revoked (10 trials)", async () => {
    const owner = await createUser(db, { name: "Owner" });
    const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
    for (let trial = 0; trial < 10; trial++) {
      const device = await touchDevice(db, { userId: owner.id, deviceId: `race-${trial}`, ip: null, userAgent: null });
      const [approve, revoke] = await settle([
        approveOwnDevice(db, contextFor(owner), device.id, owner.password),
        decideDevice(db, contextFor(admin), device.id, "revoked"),
      ]);
      expect(revoke.status).toBe("fulfilled");
      const [after] = await db.select({ trust: devices.trust }).from(devices).where(eq(devices.id, device.id));
      expect(after.trust).toBe("revoked");
      // If the approval answered success, it happened before the revoke; otherwise it said why.
      if (approve.status === "rejected") expect(approve.reason).toMatchObject({ code: "invalid_state" });
    }
  });

  it("two admins demoting each other at once leave one admin in charge (5 trials)", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const a = await createUser(db, { name: `A${trial}`, role: "ADMIN" });
      const b = await createUser(db, { name: `B${trial}`, role: "ADMIN" });
      // Only these two are admins: demote every other one first.
      await db.update(users).set({ role: "DEVELOPER" }).where(eq(users.role, "ADMIN"));
      await db.update(users).set({ role: "ADMIN" }).where(eq(users.id, a.id));
      await db.update(users).set({ role: "ADMIN" }).where(eq(users.id, b.id));
      const results = await settle([
        updateUser(db, contextFor(a), b.id, { role: "DEVELOPER" }),
        updateUser(db, contextFor(b), a.id, { disabled: true }),
      ]);
      const admins = await db.select({ id: users.id }).from(users).where(and(eq(users.role, "ADMIN"), isNull(users.disabledAt)));
      expect(admins).toHaveLength(1);
      expect(fulfilled(results)).toHaveLength(1);
      expect(rejected(results)[0].reason).toMatchObject({ code: "invalid_state" });
    }
  });

  it("one invite link accepted 8 times at once creates exactly one account", async () => {
    const admin = await createUser(db, { name: "Inviter", role: "ADMIN" });
    const invite = await createInvite(db, contextFor(admin), { email: "once@example.com", role: "VIEWER", expires_in_days: 7 });
    const results = await settle(Array.from({ length: 8 }, (_, i) => acceptInvite(db, { token: invite.token, name: `Once ${i}`, password: "a long enough password" }, { ip: null })));
    expect(fulfilled(results)).toHaveLength(1);
    for (const r of rejected(results)) expect(r.reason).toMatchObject({ code: "forbidden" });
    expect(await db.select().from(users).where(eq(users.email, "once@example.com"))).toHaveLength(1);
  });

  it("two invites for one address accepted at once: one account, the other answers 409 and its invite stays unused", async () => {
    const admin = await createUser(db, { name: "Inviter2", role: "ADMIN" });
    const first = await createInvite(db, contextFor(admin), { role: "VIEWER", expires_in_days: 7 });
    const second = await createInvite(db, contextFor(admin), { role: "DEVELOPER", expires_in_days: 7 });
    const results = await settle([first, second].map((i) => acceptInvite(db, { token: i.token, email: "twice@example.com", name: "Twice", password: "a long enough password" }, { ip: null })));
    expect(fulfilled(results)).toHaveLength(1);
    expect(rejected(results)[0].reason).toMatchObject({ code: "conflict" });
    const used = await db.select({ id: invites.id }).from(invites).where(and(eq(invites.kind, "invite"), isNull(invites.usedAt), eq(invites.createdBy, admin.id)));
    expect(used).toHaveLength(1);
  });

  it("concurrent token creation cannot pass the per-user cap", async () => {
    const hoarder = await createUser(db, { name: "Hoarder" });
    await db.insert(apiTokens).values(
      Array.from({ length: 97 }, (_, i) => {
        const secret = newSecret("ccl_pat_");
        return { userId: hoarder.id, name: `t${i}`, tokenHash: hashSecret(secret), prefix: secret.slice(0, 14) };
      }),
    );
    const results = await settle(Array.from({ length: 10 }, (_, i) => createApiToken(db, contextFor(hoarder), { name: `burst ${i}` })));
    expect(fulfilled(results)).toHaveLength(3);
    for (const r of rejected(results)) expect(r.reason).toMatchObject({ code: "quota_exceeded" });
    const live = await db.select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.userId, hoarder.id), isNull(apiTokens.revokedAt)));
    expect(live).toHaveLength(100);
  });

  it("a token revoked 6 times at once is revoked (and audited) once", async () => {
    const owner = await createUser(db, { name: "Revoker" });
    const token = await createApiToken(db, contextFor(owner), { name: "twice" });
    const results = await Promise.all(Array.from({ length: 6 }, () => revokeApiToken(db, contextFor(owner), token.id)));
    expect(new Set(results.map((r) => r.revoked_at)).size).toBe(1);
    const audited = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "token.revoked"), eq(auditEvents.resourceId, token.id)));
    expect(audited).toHaveLength(1);
  });

  describe("first-run setup", async () => {
    const empty = await createTestDatabase();
    afterAll(() => empty.dispose());

    it("two valid setup links (two nodes started at once) completed together create one admin", async () => {
      const tokens = [newSecret("setup_"), newSecret("setup_")];
      const expiresAt = new Date(Date.now() + 3600_000);
      await empty.db.insert(invites).values(tokens.map((t) => ({ kind: "setup" as const, role: "ADMIN" as const, tokenHash: hashSecret(t), expiresAt })));
      const results = await settle(tokens.map((token, i) => completeSetup(empty.db, { token, email: `root${i}@example.com`, name: `Root ${i}`, password: "a long enough password" })));
      expect(fulfilled(results)).toHaveLength(1);
      expect(rejected(results)[0].reason).toMatchObject({ code: "conflict" });
      expect(await empty.db.select({ id: users.id }).from(users)).toHaveLength(1);
    });
  });
});
