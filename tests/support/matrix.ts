import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "../../lib/db/client";
import { apiTokens, runtimeSessions, type Role } from "../../lib/db/schema";
import type { Operation } from "../../lib/operations";
import { PENDING_DEVICE_PERMISSIONS, ROLES, ROLE_PERMISSIONS, type Permission } from "../../lib/security/permissions";
import { apiTokenFor, createUser, openSessionFor, sessionCookieFor } from "./auth";

/**
 * The role × operation matrix's callers and expectations, transport-neutral: each transport's
 * matrix test sends every operation as every subject and compares with `expectedAccess`.
 */
export interface Subject {
  label: string;
  /** Headers that carry the subject's credentials (a cookie or a bearer token). */
  headers: () => Promise<Record<string, string>>;
  /** Effective permissions; null when the credentials do not authenticate. */
  permissions: readonly Permission[] | null;
  pendingDevice?: boolean;
}

export async function matrixSubjects(db: Database): Promise<Subject[]> {
  const users = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await createUser(db, { role, name: `matrix-${role}` })] as const))) as unknown as Record<Role, { id: string }>;
  // A developer of their own: the DEVELOPER subject signing out everywhere must not end this session.
  const pendingOwner = await createUser(db, { role: "DEVELOPER", name: "matrix-pending-DEVELOPER" });
  const pending = await openSessionFor(db, pendingOwner.id, { trust: "pending" });
  const expiredSession = await openSessionFor(db, users.ADMIN.id);
  await db.update(runtimeSessions).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(runtimeSessions.id, expiredSession.sessionId));
  const revokedToken = await apiTokenFor(db, users.ADMIN.id);
  await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, revokedToken.id));
  const adminToken = await apiTokenFor(db, users.ADMIN.id);
  const bearer = (token: string) => async () => ({ authorization: `Bearer ${token}` });
  return [
    ...ROLES.map((role) => ({ label: role, headers: async () => ({ cookie: await sessionCookieFor(users[role].id) }), permissions: ROLE_PERMISSIONS[role] })),
    { label: "ADMIN via API token", headers: bearer(adminToken.token), permissions: ROLE_PERMISSIONS.ADMIN },
    {
      label: "DEVELOPER on a pending device",
      headers: bearer(pending.token),
      permissions: ROLE_PERMISSIONS.DEVELOPER.filter((p) => PENDING_DEVICE_PERMISSIONS.includes(p)),
      pendingDevice: true,
    },
    { label: "expired session", headers: bearer(expiredSession.token), permissions: null },
    { label: "revoked API token", headers: bearer(revokedToken.token), permissions: null },
    { label: "no credentials", headers: async () => ({}), permissions: null },
  ];
}

/** What the subject must get from the operation's access rule: 401, 403, or neither. */
export function expectedAccess(op: Operation, subject: Subject): "401" | "403" | "allowed" {
  if (op.access === "public") return "allowed";
  if (subject.permissions === null) return "401";
  if (op.access === "signed-in") return "allowed";
  if (op.access === "trusted") return subject.pendingDevice ? "403" : "allowed";
  return subject.permissions.includes(op.access) ? "allowed" : "403";
}

/** Values for path parameters when the matrix calls an operation; anything else gets a fresh UUID. */
const SEGMENT_SAMPLES: Record<string, string> = {
  key: "matrix-key",
  name: "matrix-no-such-skill",
  type: "matrix-no-such-agent",
  permission: "task:view",
};

/** The operation's path with its parameters filled in. */
export function samplePath(op: Operation): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(SEGMENT_SAMPLES[name] ?? randomUUID()));
}

/** Fields that must never appear in any API response. */
export const SECRET_FIELD = /password_?hash|token_?hash|\$argon2/i;
