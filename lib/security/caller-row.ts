import { sql } from "drizzle-orm";
import { userPermissionGrants, users } from "../db/schema";
import type { AuthContext } from "./context";
import { permissionsFor } from "./permissions";

/**
 * The user columns a caller's context is built from, grants included, for selecting beside a
 * credential's own row: resolving a bearer token and building its context is one round trip.
 */
export const callerColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabledAt: users.disabledAt,
  grants: sql<string[]>`coalesce((select json_agg(${userPermissionGrants.permission}) from ${userPermissionGrants} where ${userPermissionGrants.userId} = ${users.id}), '[]'::json)`,
};

/** The same grants as `callerColumns`, for raw SQL selecting from `users u`. */
export const CALLER_GRANTS_JSON = `coalesce((select json_agg(g.permission) from user_permission_grants g where g.user_id = u.id), '[]'::json)`;

/** A CallerRow from a raw row with the user's email, name, role and `grants` (CALLER_GRANTS_JSON). */
export function callerFromRaw(id: string, row: Record<string, unknown>, disabledAt: Date | null): CallerRow {
  const grants = typeof row.grants === "string" ? (JSON.parse(row.grants) as string[]) : (row.grants as string[]);
  return { id, email: row.email as string, name: (row.name as string | null) ?? null, role: row.role as CallerRow["role"], disabledAt, grants };
}

export interface CallerRow {
  id: string;
  email: string;
  name: string | null;
  role: AuthContext["user"]["role"];
  disabledAt: Date | null;
  grants: string[];
}

export type CallerOptions = { via: AuthContext["via"]; requestId: string; ip: string | null; userAgent: string | null };

/** The context of an enabled user; null for a disabled one. */
export function contextFromRow(user: CallerRow, opts: CallerOptions): AuthContext | null {
  if (user.disabledAt) return null;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    via: opts.via,
    permissions: permissionsFor(user.role, user.grants),
    ip: opts.ip,
    userAgent: opts.userAgent,
    requestId: opts.requestId,
  };
}
