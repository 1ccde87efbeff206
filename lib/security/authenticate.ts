import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { userPermissionGrants, users } from "../db/schema";
import { API_TOKEN_PREFIX, resolveApiToken } from "./api-tokens";
import type { AuthContext } from "./context";
import { unauthenticated, type Credential } from "./credentials";
import { resolveBrowserSession } from "./browser-sessions";
import { narrowForDevice, permissionsFor } from "./permissions";
import { SESSION_TOKEN_PREFIX, resolveSessionToken } from "./runtime-sessions";

/** Who is on the other end, as the transport knows it. */
export interface CallerMeta {
  db: Database;
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
    const check = await resolveBrowserSession(meta.db, credential.sessionId, credential.userId);
    if (!check.ok) return null;
    const ctx = await contextForUser(meta.db, credential.userId, { via: "browser", ...meta });
    return ctx && { ...ctx, browserSessionId: credential.sessionId! };
  }
  const { token } = credential;
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const check = await resolveApiToken(meta.db, token);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = await contextForUser(meta.db, check.userId, { via: "api_token", ...meta });
    if (!ctx) throw unauthenticated("The account that owns this token is disabled");
    return { ...ctx, apiTokenId: check.tokenId };
  }
  if (token.startsWith(SESSION_TOKEN_PREFIX)) {
    const check = await resolveSessionToken(meta.db, token);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = await contextForUser(meta.db, check.userId, { via: "runtime_session", ...meta });
    if (!ctx) throw unauthenticated("The account that owns this session is disabled");
    return { ...ctx, session: check.session, permissions: narrowForDevice(ctx.permissions, check.session.trust) };
  }
  throw unauthenticated("Unrecognised bearer token: send an API token (ccl_pat_…) or a runtime session token (ccl_ses_…)");
}

export async function contextForUser(
  db: Database,
  userId: string,
  opts: { via: AuthContext["via"]; requestId: string; ip: string | null; userAgent: string | null },
): Promise<AuthContext | null> {
  // One round trip per request: the user and their extra grants together.
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      grants: sql<string[]>`coalesce((select array_agg(${userPermissionGrants.permission}) from ${userPermissionGrants} where ${userPermissionGrants.userId} = ${users.id}), '{}')`,
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user || user.disabledAt) return null;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    via: opts.via,
    permissions: permissionsFor(user.role, user.grants),
    ip: opts.ip,
    userAgent: opts.userAgent,
    requestId: opts.requestId,
  };
}
