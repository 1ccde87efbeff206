import { eq, sql } from "drizzle-orm";
import { getToken } from "next-auth/jwt";
import type { Database } from "../db/client";
import { userPermissionGrants, users } from "../db/schema";
import { AppError } from "../errors";
import { API_TOKEN_PREFIX, resolveApiToken } from "./api-tokens";
import type { AuthContext } from "./context";
import { assertSameOrigin } from "./csrf";
import { narrowForDevice, permissionsFor } from "./permissions";
import { clientIp } from "./request-meta";
import { SESSION_TOKEN_PREFIX, resolveSessionToken } from "./runtime-sessions";

export interface AuthenticateOptions {
  db: Database;
  requestId: string;
}

/**
 * Establish who is calling:
 * - `Authorization: Bearer ccl_pat_…` (API token) or `Bearer ccl_ses_…` (runtime session);
 *   a bearer that is present but bad answers 401 with the reason, never falls back to the cookie;
 * - otherwise the browser's next-auth session cookie, with a same-origin check on writes.
 * Returns null when the request carries no credentials at all.
 */
export async function authenticate(req: Request, { db, requestId }: AuthenticateOptions): Promise<AuthContext | null> {
  refuseCredentialsInUrl(req);
  const bearer = bearerToken(req);
  if (bearer !== null) return authenticateBearer(db, bearer, req, requestId);
  const userId = await browserSessionUserId(req);
  if (!userId) return null;
  assertSameOrigin(req);
  return contextForUser(db, userId, { via: "browser", req, requestId });
}

async function authenticateBearer(db: Database, token: string, req: Request, requestId: string): Promise<AuthContext> {
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const check = await resolveApiToken(db, token);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = await contextForUser(db, check.userId, { via: "api_token", req, requestId });
    if (!ctx) throw unauthenticated("The account that owns this token is disabled");
    return { ...ctx, apiTokenId: check.tokenId };
  }
  if (token.startsWith(SESSION_TOKEN_PREFIX)) {
    const check = await resolveSessionToken(db, token);
    if (!check.ok) throw unauthenticated(check.reason);
    const ctx = await contextForUser(db, check.userId, { via: "runtime_session", req, requestId });
    if (!ctx) throw unauthenticated("The account that owns this session is disabled");
    return { ...ctx, session: check.session, permissions: narrowForDevice(ctx.permissions, check.session.trust) };
  }
  throw unauthenticated("Unrecognised bearer token: send an API token (ccl_pat_…) or a runtime session token (ccl_ses_…)");
}

function unauthenticated(message: string): AppError {
  return new AppError("unauthenticated", message, undefined, { "www-authenticate": 'Bearer realm="coderclawlink"' });
}

/** The bearer credential, "" for an empty one, or null when the header is absent. */
function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer[ ]+(\S*)\s*$/i.exec(header);
  if (!match) throw unauthenticated("The Authorization header must be `Bearer <token>`");
  if (!match[1]) throw unauthenticated("The bearer token is empty");
  return match[1];
}

const URL_CREDENTIAL = new RegExp(`(${API_TOKEN_PREFIX}|${SESSION_TOKEN_PREFIX})`);
const URL_CREDENTIAL_NAMES = new Set(["token", "access_token", "api_key", "apikey", "session_token", "bearer"]);

/** Secrets in URLs end up in logs and browser history: refuse them outright rather than ignore them. */
function refuseCredentialsInUrl(req: Request): void {
  const url = new URL(req.url);
  for (const [name, value] of url.searchParams) {
    if (URL_CREDENTIAL.test(value) || (URL_CREDENTIAL_NAMES.has(name.toLowerCase()) && value.length > 0)) {
      throw new AppError("bad_request", "Credentials are never accepted in the URL; send Authorization: Bearer <token>", { parameter: name });
    }
  }
}

async function browserSessionUserId(req: Request): Promise<string | null> {
  const secret = process.env.AUTH_SECRET;
  if (!secret) return null;
  const secureCookie = new URL(req.url).protocol === "https:";
  const token = await getToken({ req, secret, secureCookie }).catch(() => null);
  return token && typeof token.uid === "string" ? token.uid : null;
}

export async function contextForUser(
  db: Database,
  userId: string,
  opts: { via: AuthContext["via"]; req: Request; requestId: string },
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
    ip: clientIp(opts.req),
    userAgent: opts.req.headers.get("user-agent"),
    requestId: opts.requestId,
  };
}
