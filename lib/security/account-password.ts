import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { endUserBrowserSessions } from "./browser-sessions";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { hashPassword } from "./passwords";
import { endUserSessions } from "./runtime-sessions";
import { checkSignIn, rateLimitedError } from "./sign-in";
import { passwordSchema } from "./users-admin";

export const changePasswordSchema = z.object({ current_password: z.string().min(1).max(1024), new_password: passwordSchema }).strict();

/**
 * Self-service password change. The current password is checked through the sign-in path
 * (throttled and audited like a sign-in). Every other session of the person ends with it —
 * their other browsers and their runtime sessions — while the one making the change stays.
 */
export async function changePassword(db: Database, ctx: AuthContext, input: z.infer<typeof changePasswordSchema>) {
  await authorize(ctx, "trusted");
  const check = await checkSignIn(db, { email: ctx.user.email, password: input.current_password, ip: ctx.ip });
  if (!check.ok) {
    if (check.reason === "rate_limited") throw rateLimitedError(check.retryAfterSeconds);
    throw new AppError("forbidden", "The current password is not correct", { reason: "wrong_password" });
  }
  const passwordHash = await hashPassword(input.new_password);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: now() }).where(eq(users.id, ctx.user.id));
    const browserEnded = await endUserBrowserSessions(tx, ctx.user.id, "password_changed", { except: ctx.browserSessionId });
    const runtimeEnded = await endUserSessions(tx, ctx.user.id, "password_changed", { except: ctx.session?.id });
    await recordAudit(tx, {
      eventType: "auth.password_changed",
      action: "change_password",
      ...actorOf(ctx),
      resourceType: "user",
      resourceId: ctx.user.id,
      details: { via: ctx.via, browser_sessions_ended: browserEnded, runtime_sessions_ended: runtimeEnded },
    });
    return { browser_sessions_ended: browserEnded, runtime_sessions_ended: runtimeEnded };
  });
}

/**
 * "Sign out everywhere": every browser session of the caller, this one included, and every
 * runtime session end on the server at once (API tokens stay: revoke those one by one).
 */
export async function signOutEverywhere(db: Database, ctx: AuthContext) {
  // A session on a pending device may only read: it must not be able to lock its owner out.
  await authorize(ctx, "trusted");
  return db.transaction(async (tx) => {
    const browserEnded = await endUserBrowserSessions(tx, ctx.user.id, "signed_out_everywhere");
    const runtimeEnded = await endUserSessions(tx, ctx.user.id, "signed_out_everywhere");
    await recordAudit(tx, {
      eventType: "auth.signed_out_everywhere",
      action: "sign_out_everywhere",
      ...actorOf(ctx),
      resourceType: "user",
      resourceId: ctx.user.id,
      details: { via: ctx.via, browser_sessions_ended: browserEnded, runtime_sessions_ended: runtimeEnded },
    });
    return { browser_sessions_ended: browserEnded, runtime_sessions_ended: runtimeEnded };
  });
}
