import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { invites, type Role } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { linkBase } from "./link-base";
import { hashPassword } from "./passwords";
import { hashSecret, newSecret } from "./tokens";
import { assertEmailFree, emailSchema, insertUser, passwordSchema, roleSchema, userJson } from "./users-admin";

const INVITE_PREFIX = "ccl_inv_";

export const createInviteSchema = z
  .object({ email: emailSchema.optional(), role: roleSchema, expires_in_days: z.number().int().min(1).max(90).default(7) })
  .strict();

type InviteRow = typeof invites.$inferSelect;

function inviteJson(i: InviteRow) {
  const at = now();
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    created_by: i.createdBy,
    created_at: i.createdAt.toISOString(),
    expires_at: i.expiresAt?.toISOString() ?? null,
    used_at: i.usedAt?.toISOString() ?? null,
    used_by: i.usedBy,
    status: i.usedAt ? ("used" as const) : i.expiresAt && i.expiresAt <= at ? ("expired" as const) : ("pending" as const),
  };
}

/**
 * The link a person opens to accept. The token travels in the fragment (`#token=…`), which
 * browsers never send to a server, so it stays out of access logs and Referer headers.
 */
export function inviteLink(token: string, base: string): string {
  return `${base}/invite#token=${token}`;
}

/**
 * An admin invites someone to join with a role; the token is returned once, in a link built from
 * APP_URL or the address the admin is browsing at (`requestOrigin`), with a warning when that
 * address may not open for the person invited.
 */
export async function createInvite(db: Database, ctx: AuthContext, input: z.infer<typeof createInviteSchema>, requestOrigin: string | null = null) {
  await authorize(ctx, "admin:users");
  if (input.email) await assertEmailFree(db, input.email);
  const token = newSecret(INVITE_PREFIX);
  const row = await db.transaction(async (tx) => {
    const [invite] = await tx
      .insert(invites)
      .values({ kind: "invite", tokenHash: hashSecret(token), email: input.email ?? null, role: input.role, createdBy: ctx.user.id, expiresAt: new Date(now().getTime() + input.expires_in_days * 86_400_000) })
      .returning();
    await recordAudit(tx, { eventType: "resource.created", action: "create_invite", ...actorOf(ctx), resourceType: "invite", resourceId: invite.id, details: { email: invite.email, role: invite.role } });
    return invite;
  });
  const link = linkBase(requestOrigin);
  return { ...inviteJson(row), token, url: inviteLink(token, link.base), link_warning: link.warning };
}

export async function listInvites(db: DbOrTx, ctx: AuthContext) {
  await authorize(ctx, "admin:users");
  const rows = await db.select().from(invites).where(eq(invites.kind, "invite")).orderBy(desc(invites.createdAt)).limit(500);
  return rows.map(inviteJson);
}

/** Withdraw an unused invite: it expires now. */
export async function withdrawInvite(db: Database, ctx: AuthContext, inviteId: string) {
  await authorize(ctx, "admin:users");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(invites)
      .set({ expiresAt: now() })
      .where(and(eq(invites.id, inviteId), eq(invites.kind, "invite"), isNull(invites.usedAt)))
      .returning();
    if (!row) throw AppError.notFound("Pending invite");
    await recordAudit(tx, { eventType: "resource.deleted", action: "withdraw_invite", ...actorOf(ctx), resourceType: "invite", resourceId: inviteId, details: { email: row.email } });
    return inviteJson(row);
  });
}

export const acceptInviteSchema = z
  .object({ token: z.string().min(10).max(200), email: emailSchema.optional(), name: z.string().trim().min(1).max(100), password: passwordSchema })
  .strict();

/**
 * Spend an invite: create the account with the invited role. Spending is one conditional
 * UPDATE (unused and unexpired → used), in the same transaction as the insert: of any number
 * of concurrent accepts of one link, exactly one gets the row back and creates an account; if
 * that insert fails (email taken) the spend rolls back with it.
 */
export async function acceptInvite(db: Database, input: z.infer<typeof acceptInviteSchema>, meta: { ip: string | null }) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const at = now();
    const [invite] = await tx
      .update(invites)
      .set({ usedAt: at })
      .where(and(eq(invites.tokenHash, hashSecret(input.token)), eq(invites.kind, "invite"), isNull(invites.usedAt), or(isNull(invites.expiresAt), gt(invites.expiresAt, at))))
      .returning();
    if (!invite) throw new AppError("forbidden", "This invite link is invalid, expired or already used");
    const email = invite.email ?? input.email;
    if (!email) throw new AppError("validation_failed", "This invite needs an email address", { issues: [{ path: "email", message: "Required" }] });
    if (invite.email && input.email && input.email !== invite.email) {
      throw new AppError("validation_failed", "This invite is for a different email address");
    }
    const user = await insertUser(tx, { email, name: input.name, role: invite.role as Role, passwordHash });
    await tx.update(invites).set({ usedBy: user.id }).where(eq(invites.id, invite.id));
    await recordAudit(tx, {
      eventType: "user.created",
      action: "accept_invite",
      actorUserId: user.id,
      ip: meta.ip,
      resourceType: "user",
      resourceId: user.id,
      details: { via: "invite", invite_id: invite.id, invited_by: invite.createdBy, role: user.role },
    });
    return userJson(user);
  });
}
