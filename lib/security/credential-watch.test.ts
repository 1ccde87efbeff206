import { describe, expect, it } from "vitest";
import type { AuthContext } from "./context";
import { credentialEndedReason, type CredentialFacts } from "./credential-watch";

const at = new Date("2030-01-01T00:00:00Z");
const later = new Date("2030-01-02T00:00:00Z");
const earlier = new Date("2029-12-31T00:00:00Z");

function ctx(extra: Partial<AuthContext> = {}): AuthContext {
  return { user: { id: "u1", email: "a@example.com", name: null, role: "DEVELOPER" }, via: "api_token", permissions: new Set(), ip: null, userAgent: null, requestId: "r", ...extra };
}

function facts(extra: Partial<{ [K in keyof CredentialFacts]: Record<string, CredentialFacts[K] extends Map<string, infer V> ? V : never> }> = {}): CredentialFacts {
  return {
    users: new Map(Object.entries(extra.users ?? { u1: { role: "DEVELOPER", disabledAt: null, grants: [] } })),
    apiTokens: new Map(Object.entries(extra.apiTokens ?? {})),
    runtimeSessions: new Map(Object.entries(extra.runtimeSessions ?? {})),
    browserSessions: new Map(Object.entries(extra.browserSessions ?? {})),
  };
}

describe("credentialEndedReason", () => {
  it("holds while the user, token, session and browser session all do", () => {
    const c = ctx({ apiTokenId: "t1", browserSessionId: "b1", session: { id: "s1", devicePk: "d", deviceId: "dev", trust: "trusted" } });
    const f = facts({
      apiTokens: { t1: { revokedAt: null, expiresAt: later } },
      runtimeSessions: { s1: { endedAt: null, endedReason: null, expiresAt: later, trust: "trusted" } },
      browserSessions: { b1: { endedAt: null, endedReason: null, expiresAt: later } },
    });
    expect(credentialEndedReason(c, f, at)).toBeNull();
  });

  it("names what ended", () => {
    expect(credentialEndedReason(ctx(), facts({ users: {} }), at)).toBe("user_disabled");
    expect(credentialEndedReason(ctx(), facts({ users: { u1: { role: "DEVELOPER", disabledAt: earlier, grants: [] } } }), at)).toBe("user_disabled");
    expect(credentialEndedReason(ctx(), facts({ users: { u1: { role: "VIEWER", disabledAt: null, grants: [] } } }), at)).toBe("role_changed");
    expect(credentialEndedReason(ctx({ apiTokenId: "t1" }), facts({ apiTokens: { t1: { revokedAt: earlier, expiresAt: null } } }), at)).toBe("token_revoked");
    expect(credentialEndedReason(ctx({ apiTokenId: "t1" }), facts({ apiTokens: { t1: { revokedAt: null, expiresAt: earlier } } }), at)).toBe("token_expired");
    expect(credentialEndedReason(ctx({ apiTokenId: "gone" }), facts(), at)).toBe("token_revoked");
    const session = { id: "s1", devicePk: "d", deviceId: "dev", trust: "trusted" as const };
    expect(credentialEndedReason(ctx({ session }), facts({ runtimeSessions: { s1: { endedAt: earlier, endedReason: "revoked", expiresAt: later, trust: "trusted" } } }), at)).toBe("session_revoked");
    expect(credentialEndedReason(ctx({ session }), facts({ runtimeSessions: { s1: { endedAt: earlier, endedReason: "device_revoked", expiresAt: later, trust: "revoked" } } }), at)).toBe("device_revoked");
    expect(credentialEndedReason(ctx({ session }), facts({ runtimeSessions: { s1: { endedAt: null, endedReason: null, expiresAt: later, trust: "revoked" } } }), at)).toBe("device_revoked");
    expect(credentialEndedReason(ctx({ session }), facts({ runtimeSessions: { s1: { endedAt: null, endedReason: null, expiresAt: earlier, trust: "trusted" } } }), at)).toBe("session_expired");
    expect(credentialEndedReason(ctx({ via: "browser", browserSessionId: "b1" }), facts({ browserSessions: { b1: { endedAt: earlier, endedReason: "signed_out", expiresAt: later } } }), at)).toBe("browser_session_signed_out");
    expect(credentialEndedReason(ctx({ via: "browser", browserSessionId: "b1" }), facts({ browserSessions: { b1: { endedAt: null, endedReason: null, expiresAt: earlier } } }), at)).toBe("browser_session_ended");
  });

  it("a withdrawn grant the caller held ends it; one they never used to hold does not matter", () => {
    const withGrant = ctx({ permissions: new Set(["task:view", "admin:system"]) });
    expect(credentialEndedReason(withGrant, facts({ users: { u1: { role: "DEVELOPER", disabledAt: null, grants: ["admin:system"] } } }), at)).toBeNull();
    expect(credentialEndedReason(withGrant, facts({ users: { u1: { role: "DEVELOPER", disabledAt: null, grants: [] } } }), at)).toBe("permissions_changed");
    expect(credentialEndedReason(ctx({ permissions: new Set(["task:view"]) }), facts({ users: { u1: { role: "DEVELOPER", disabledAt: null, grants: ["admin:system"] } } }), at)).toBeNull();
  });

  it("a device that became trusted is not an ending", () => {
    const session = { id: "s1", devicePk: "d", deviceId: "dev", trust: "pending" as const };
    expect(credentialEndedReason(ctx({ session }), facts({ runtimeSessions: { s1: { endedAt: null, endedReason: null, expiresAt: later, trust: "trusted" } } }), at)).toBeNull();
  });

  it("one check shares what a user holds between that user's contexts, per device trust", () => {
    const held = new WeakMap();
    const trusted = { id: "s1", devicePk: "d", deviceId: "dev", trust: "trusted" as const };
    const pending = { id: "s2", devicePk: "d2", deviceId: "dev2", trust: "pending" as const };
    const f = facts({
      runtimeSessions: {
        s1: { endedAt: null, endedReason: null, expiresAt: later, trust: "trusted" },
        s2: { endedAt: null, endedReason: null, expiresAt: later, trust: "pending" },
      },
    });
    const submitting = new Set(["task:submit"]) as AuthContext["permissions"];
    // The same user and permissions: allowed on the trusted device, not on the pending one, whatever the order.
    expect(credentialEndedReason(ctx({ session: trusted, permissions: submitting }), f, at, held)).toBeNull();
    expect(credentialEndedReason(ctx({ session: pending, permissions: submitting }), f, at, held)).toBe("permissions_changed");
    expect(credentialEndedReason(ctx({ session: trusted, permissions: submitting }), f, at, held)).toBeNull();
    expect(credentialEndedReason(ctx({ permissions: new Set(["task:view"]) as AuthContext["permissions"] }), f, at, held)).toBeNull();
  });
});
