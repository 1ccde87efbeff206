import { and, asc, eq, ilike, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { userPermissionGrants, users, type Role } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { MIN_PASSWORD_LENGTH, hashPassword } from "./passwords";
import { PERMISSIONS, ROLES, permissionsFor } from "./permissions";
import { endUserBrowserSessions } from "./browser-sessions";
import { announceCredentialsChanged } from "./credential-notices";
import { endUserSessions } from "./runtime-sessions";

export const roleSchema = z.enum(ROLES);
export const permissionSchema = z.enum(PERMISSIONS);
export const emailSchema = z.string().trim().toLowerCase().email().max(254);
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

/** The columns a user is ever returned with: never password_hash. */
const publicUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  image: users.image,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};
type PublicUser = { [K in keyof typeof publicUserColumns]: (typeof users.$inferSelect)[K] };

export function userJson(u: PublicUser, grants: string[] = []) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.disabledAt ? ("disabled" as const) : ("active" as const),
    disabled_at: u.disabledAt?.toISOString() ?? null,
    grants: [...grants].sort(),
    permissions: [...permissionsFor(u.role, grants)].sort(),
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

async function grantsOf(db: DbOrTx, userIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .select({ userId: userPermissionGrants.userId, permission: userPermissionGrants.permission })
    .from(userPermissionGrants)
    .where(inArray(userPermissionGrants.userId, userIds));
  for (const r of rows) map.set(r.userId, [...(map.get(r.userId) ?? []), r.permission]);
  return map;
}

export const listUsersQuery = z.object({
  q: z.string().trim().max(200).optional(),
  role: roleSchema.optional(),
  status: z.enum(["active", "disabled"]).optional(),
});

export async function listUsers(db: DbOrTx, ctx: AuthContext, filter: z.infer<typeof listUsersQuery>) {
  await authorize(ctx, "admin:users");
  const conditions: (SQL | undefined)[] = [
    filter.q ? or(ilike(users.email, `%${escapeLike(filter.q)}%`), ilike(users.name, `%${escapeLike(filter.q)}%`)) : undefined,
    filter.role ? eq(users.role, filter.role) : undefined,
    filter.status === "active" ? isNull(users.disabledAt) : filter.status === "disabled" ? sql`${users.disabledAt} is not null` : undefined,
  ];
  const rows = await db.select(publicUserColumns).from(users).where(and(...conditions)).orderBy(asc(users.email)).limit(1000);
  const grants = await grantsOf(db, rows.map((r) => r.id));
  return rows.map((r) => userJson(r, grants.get(r.id)));
}

export async function getUser(db: DbOrTx, ctx: AuthContext, userId: string) {
  await authorize(ctx, "admin:users");
  return userById(db, userId);
}

async function userById(db: DbOrTx, userId: string) {
  const [row] = await db.select(publicUserColumns).from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw AppError.notFound("User");
  return userJson(row, (await grantsOf(db, [userId])).get(userId));
}

export const createUserSchema = z.object({ email: emailSchema, name: z.string().trim().min(1).max(100), role: roleSchema, password: passwordSchema }).strict();

export async function createUserAccount(db: Database, ctx: AuthContext, input: z.infer<typeof createUserSchema>) {
  await authorize(ctx, "admin:users");
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const row = await insertUser(tx, { email: input.email, name: input.name, role: input.role, passwordHash });
    await recordAudit(tx, { eventType: "user.created", action: "create_user", ...actorOf(ctx), resourceType: "user", resourceId: row.id, details: { email: row.email, role: row.role, via: "admin" } });
    return userJson(row);
  });
}

/** A quick 409 before doing any work (an invite for a taken address); insertUser is the real guard. */
export async function assertEmailFree(db: DbOrTx, email: string): Promise<void> {
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase())).limit(1);
  if (taken) throw emailTaken();
}

/**
 * Insert an account; a taken email (the unique index on lower(email)) answers 409 in one
 * statement, so two concurrent sign-ups for one address cannot both pass a check.
 */
export async function insertUser(tx: DbOrTx, values: { email: string; name: string; role: Role; passwordHash: string }): Promise<PublicUser> {
  const [row] = await tx.insert(users).values(values).onConflictDoNothing().returning(publicUserColumns);
  if (!row) throw emailTaken();
  return row;
}

function emailTaken(): AppError {
  return new AppError("conflict", "An account with this email already exists");
}

export const updateUserSchema = z
  .object({ name: z.string().trim().min(1).max(100).optional(), role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of name, role, disabled" });

/**
 * Change a user's name, role or status; each change is its own audit event in one transaction.
 * The last active admin cannot be demoted or disabled (nobody could undo it), and admins do not
 * disable themselves.
 */
export async function updateUser(db: Database, ctx: AuthContext, userId: string, input: z.infer<typeof updateUserSchema>) {
  await authorize(ctx, "admin:users");
  return db.transaction(async (tx) => {
    // Admins first, always in the same order, then the target: concurrent changes cannot deadlock.
    const activeAdmins = input.role !== undefined || input.disabled === true ? await lockActiveAdmins(tx) : [];
    const [before] = await tx.select(publicUserColumns).from(users).where(eq(users.id, userId)).for("no key update").limit(1);
    if (!before) throw AppError.notFound("User");
    const demoting = input.role !== undefined && input.role !== "ADMIN" && before.role === "ADMIN";
    const disabling = input.disabled === true && !before.disabledAt;
    if (disabling && userId === ctx.user.id) throw new AppError("invalid_state", "You cannot disable your own account");
    if ((demoting || disabling) && before.role === "ADMIN" && !before.disabledAt && !activeAdmins.some((id) => id !== userId)) {
      throw new AppError("invalid_state", "This is the last active admin; make someone else an admin first");
    }
    const at = now();
    const [after] = await tx
      .update(users)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.disabled !== undefined ? { disabledAt: input.disabled ? (before.disabledAt ?? at) : null } : {}),
        updatedAt: at,
      })
      .where(eq(users.id, userId))
      .returning(publicUserColumns);
    const base = { ...actorOf(ctx), resourceType: "user", resourceId: userId } as const;
    const roleChanged = input.role !== undefined && input.role !== before.role;
    // A new role or a disabled account ends the person's browser sessions on the server (they sign
    // in again and get what the new role allows) and, through the notice, their open streams.
    if (roleChanged) {
      const browserEnded = disabling ? 0 : await endUserBrowserSessions(tx, userId, "role_changed");
      await recordAudit(tx, { ...base, eventType: "role.changed", action: "change_role", details: { from: before.role, to: input.role, browser_sessions_ended: browserEnded } });
    }
    if (disabling) {
      const ended = await endUserSessions(tx, userId, "user_disabled");
      const browserEnded = await endUserBrowserSessions(tx, userId, "user_disabled");
      await recordAudit(tx, { ...base, eventType: "user.disabled", action: "disable_user", details: { sessions_ended: ended, browser_sessions_ended: browserEnded } });
    }
    const renamed = input.name !== undefined && input.name !== before.name;
    // Nodes forget the credentials they remember (auth-cache.ts): the next request sees the new role or name.
    if (roleChanged || disabling || renamed) await announceCredentialsChanged(tx);
    if (input.disabled === false && before.disabledAt) {
      await recordAudit(tx, { ...base, eventType: "user.enabled", action: "enable_user", details: {} });
    }
    if (renamed) {
      await recordAudit(tx, { ...base, eventType: "resource.modified", action: "rename_user", details: { from: before.name, to: input.name } });
    }
    return userJson(after, (await grantsOf(tx, [userId])).get(userId));
  });
}

/**
 * Lock the active admins' rows and return their ids. Two admins demoting or disabling each other
 * at once are serialised by it: the second re-reads the first's committed change and finds no
 * other admin left (a bare count let both succeed and left nobody in charge).
 */
async function lockActiveAdmins(tx: DbOrTx): Promise<string[]> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "ADMIN" as Role), isNull(users.disabledAt)))
    .orderBy(asc(users.id))
    .for("no key update");
  return rows.map((r) => r.id);
}

/** Add or remove an extra permission for one user. Idempotent; only real changes are audited. */
export async function setGrant(db: Database, ctx: AuthContext, userId: string, permission: z.infer<typeof permissionSchema>, granted: boolean) {
  await authorize(ctx, "admin:users");
  return db.transaction(async (tx) => {
    const [target] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
    if (!target) throw AppError.notFound("User");
    const changed = granted
      ? await tx.insert(userPermissionGrants).values({ userId, permission, grantedBy: ctx.user.id }).onConflictDoNothing().returning({ p: userPermissionGrants.permission })
      : await tx
          .delete(userPermissionGrants)
          .where(and(eq(userPermissionGrants.userId, userId), eq(userPermissionGrants.permission, permission)))
          .returning({ p: userPermissionGrants.permission });
    if (!granted && changed.length === 0) throw AppError.notFound("Grant");
    if (changed.length > 0) {
      // A withdrawn grant ends the person's open streams that relied on it (see credential-watch);
      // either way nodes forget the credentials they remember, so the next request has the new rights.
      await announceCredentialsChanged(tx);
      await recordAudit(tx, {
        eventType: granted ? "permission.granted" : "permission.revoked",
        action: granted ? "grant_permission" : "revoke_permission",
        ...actorOf(ctx),
        resourceType: "user",
        resourceId: userId,
        details: { permission },
      });
    }
    return userById(tx, userId);
  });
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
