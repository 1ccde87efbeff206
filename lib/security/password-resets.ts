import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { passwordResets, users } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { endUserBrowserSessions } from "./browser-sessions";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { linkBase } from "./link-base";
import { hashPassword } from "./passwords";
import { endUserSessions } from "./runtime-sessions";
import { hashSecret, newSecret } from "./tokens";
import { passwordSchema } from "./users-admin";

const RESET_PREFIX = "ccl_rst_";

export const createPasswordResetSchema = z.object({ expires_in_hours: z.number().int().min(1).max(168).default(24) }).strict();
export const completePasswordResetSchema = z.object({ token: z.string().min(10).max(200), password: passwordSchema }).strict();

/**
 * An admin issues a one-time link for someone to set a new password (they forgot theirs). Only
 * the token's hash is stored; the link carries it in the #fragment, which browsers never send to a
 * server. Issuing a new link withdraws that person's earlier unused ones.
 */
export async function createPasswordReset(db: Database, ctx: AuthContext, userId: string, input: z.infer<typeof createPasswordResetSchema>, requestOrigin: string | null) {
  await authorize(ctx, "admin:users");
  const token = newSecret(RESET_PREFIX);
  const at = now();
  const expiresAt = new Date(at.getTime() + input.expires_in_hours * 3600_000);
  const row = await db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId)).limit(1);
    if (!user) throw AppError.notFound("User");
    await tx.update(passwordResets).set({ expiresAt: at }).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, at)));
    const [reset] = await tx.insert(passwordResets).values({ userId, tokenHash: hashSecret(token), createdBy: ctx.user.id, createdAt: at, expiresAt }).returning();
    await recordAudit(tx, { eventType: "auth.password_reset_issued", action: "issue_password_reset", ...actorOf(ctx), resourceType: "user", resourceId: userId, details: { reset_id: reset.id, expires_at: expiresAt.toISOString() } });
    return { reset, email: user.email };
  });
  const link = linkBase(requestOrigin);
  return {
    id: row.reset.id,
    user_id: userId,
    email: row.email,
    expires_at: expiresAt.toISOString(),
    token,
    url: `${link.base}/reset-password#token=${token}`,
    link_warning: link.warning,
  };
}

/**
 * Spend a reset link: set the new password and end every session of the account (whoever held
 * one, the person now signs in with the new password). Spending is one conditional UPDATE
 * (unused and unexpired → used) in the same transaction, so a link works exactly once however
 * many requests race for it. A disabled account's link is refused without being spent.
 */
export async function completePasswordReset(db: Database, input: z.infer<typeof completePasswordResetSchema>, meta: { ip: string | null }) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const at = now();
    const [reset] = await tx
      .update(passwordResets)
      .set({ usedAt: at })
      .where(and(eq(passwordResets.tokenHash, hashSecret(input.token)), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, at)))
      .returning();
    if (!reset) throw invalidLink();
    const [user] = await tx.update(users).set({ passwordHash, updatedAt: at }).where(and(eq(users.id, reset.userId), isNull(users.disabledAt))).returning({ id: users.id, email: users.email });
    if (!user) throw new AppError("forbidden", "This account is disabled; ask an administrator");
    const browserEnded = await endUserBrowserSessions(tx, user.id, "password_reset");
    const runtimeEnded = await endUserSessions(tx, user.id, "password_reset");
    await recordAudit(tx, {
      eventType: "auth.password_reset",
      action: "reset_password",
      actorUserId: user.id,
      ip: meta.ip,
      resourceType: "user",
      resourceId: user.id,
      details: { reset_id: reset.id, issued_by: reset.createdBy, browser_sessions_ended: browserEnded, runtime_sessions_ended: runtimeEnded },
    });
    return { email: user.email };
  });
}

function invalidLink(): AppError {
  return new AppError("forbidden", "This reset link is invalid, expired or already used; ask an administrator for a new one");
}
