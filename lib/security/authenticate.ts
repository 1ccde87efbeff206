import { eq } from "drizzle-orm";
import { getToken } from "next-auth/jwt";
import type { Database } from "../db/client";
import { userPermissionGrants, users } from "../db/schema";
import type { AuthContext } from "./context";
import { permissionsFor } from "./permissions";

export interface AuthenticateOptions {
  db: Database;
  requestId: string;
}

/**
 * Establish who is calling: the browser's next-auth session cookie.
 * Returns null when the request carries no valid credentials.
 */
export async function authenticate(req: Request, { db, requestId }: AuthenticateOptions): Promise<AuthContext | null> {
  const userId = await browserSessionUserId(req);
  if (!userId) return null;
  return contextForUser(db, userId, { via: "browser", req, requestId });
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
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user || user.disabledAt) return null;
  const grants = await db
    .select({ permission: userPermissionGrants.permission })
    .from(userPermissionGrants)
    .where(eq(userPermissionGrants.userId, userId));
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    via: opts.via,
    permissions: permissionsFor(user.role, grants.map((g) => g.permission)),
    ip: opts.req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? null,
    userAgent: opts.req.headers.get("user-agent"),
    requestId: opts.requestId,
  };
}
