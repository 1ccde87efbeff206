import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { userPermissionGrants, users } from "../db/schema";
import { API_TOKEN_PREFIX, resolveApiToken } from "./api-tokens";
import type { CachedCredential, CredentialCache } from "./auth-cache";
import type { AuthContext } from "./context";
import { unauthenticated, type Credential } from "./credentials";
import { isBrowserSessionId, liveBrowserSessionSeenAt, touchBrowserSession } from "./browser-sessions";
import { now } from "./clock";
import { contextFromRow } from "./caller-row";
import { narrowForDevice, permissionsFor } from "./permissions";
import { SESSION_TOKEN_PREFIX, resolveSessionToken } from "./runtime-sessions";

/** Who is on the other end, as the transport knows it. */
export interface CallerMeta {
  db: Database;
  /** Remembered bearer credentials (auth-cache.ts); without it every request reads the database. */
  credentials?: CredentialCache<CachedCredential>;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * Establish who is calling, the same way for every transport:
 * - a bearer `ccl_pat_…` (API token) or `ccl_ses_…` (runtime session; permissions narrowed to
 *   read-only until its device is trusted); a bad one answers 401 with the reason;
 * - a browser session (the transport decoded the cookie; same-origin checks are the transport's):
 *   the server-side session it names must be live, so a signed-out cookie stops working.
 * Returns null for no credential, or for a browser session that ended or whose account is gone
 * or disabled (the caller is then simply not signed in).
 */
export async function authenticate(credential: Credential | null, meta: CallerMeta): Promise<AuthContext | null> {
  if (!credential) return null;
  if (credential.kind === "browser") {
    // A cookie is only as good as the server-side session it names (checked in the same query).
    if (!isBrowserSessionId(credential.sessionId)) return null;
    return contextForUser(meta.db, credential.userId, { via: "browser", ...meta, browserSessionId: credential.sessionId });
  }
  const { token } = credential;
  if (token.startsWith(API_TOKEN_PREFIX)) {
    // The token's row comes with its user and grants: one round trip for the whole check.
    const check = await resolveApiToken(meta.db, token, meta.credentials);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = contextFromRow(check.user, { via: "api_token", ...meta });
    if (!ctx) throw unauthenticated("The account that owns this token is disabled");
    return { ...ctx, apiTokenId: check.tokenId };
  }
  if (token.startsWith(SESSION_TOKEN_PREFIX)) {
    const check = await resolveSessionToken(meta.db, token, meta.credentials);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = contextFromRow(check.user, { via: "runtime_session", ...meta });
    if (!ctx) throw unauthenticated("The account that owns this session is disabled");
    return { ...ctx, session: check.session, permissions: narrowForDevice(ctx.permissions, check.session.trust) };
  }
  throw unauthenticated("Unrecognised bearer token: send an API token (ccl_pat_…) or a runtime session token (ccl_ses_…)");
}

/**
 * The context of a user who proved who they are; null when the account is gone or disabled, or
 * when `browserSessionId` is given and that browser session is not live.
 */
export async function contextForUser(
  db: Database,
  userId: string,
  opts: { via: AuthContext["via"]; requestId: string; ip: string | null; userAgent: string | null; browserSessionId?: string },
): Promise<AuthContext | null> {
  const sid = opts.browserSessionId;
  // One round trip per request: the user, their extra grants and (for a cookie) its browser session together.
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      // json, not a Postgres array: the driver does not fetch array types (lib/db/client.ts).
      grants: sql<string[]>`coalesce((select json_agg(${userPermissionGrants.permission}) from ${userPermissionGrants} where ${userPermissionGrants.userId} = ${users.id}), '[]'::json)`,
      browserSeenAt: sid ? liveBrowserSessionSeenAt(sid, now()) : sql<null>`null`,
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user || user.disabledAt) return null;
  if (sid) {
    if (!user.browserSeenAt) return null;
    await touchBrowserSession(db, sid, user.browserSeenAt);
  }
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    via: opts.via,
    permissions: permissionsFor(user.role, user.grants),
    ip: opts.ip,
    userAgent: opts.userAgent,
    requestId: opts.requestId,
    ...(sid ? { browserSessionId: sid } : {}),
  };
}
