import { and, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { invites, users } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { now } from "./clock";
import { hashPassword } from "./passwords";
import { hashSecret, newSecret } from "./tokens";
import { emailSchema, passwordSchema } from "./users-admin";

/** How long a printed setup link stays valid. */
const SETUP_LINK_TTL_MS = 24 * 3600_000;

export async function hasUsers(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) > 0;
}

/**
 * On a database without users, issue a fresh one-time setup token (earlier unused ones stop
 * working). Returns null once an admin exists.
 */
export async function issueSetupToken(db: Database, at = now()): Promise<string | null> {
  if (await hasUsers(db)) return null;
  const token = newSecret("setup_");
  await db.transaction(async (tx) => {
    // Only the newest printed link works: retire the ones printed at earlier starts.
    await tx.update(invites).set({ expiresAt: at }).where(and(eq(invites.kind, "setup"), isNull(invites.usedAt)));
    await tx.insert(invites).values({
      kind: "setup",
      role: "ADMIN",
      tokenHash: hashSecret(token),
      expiresAt: new Date(at.getTime() + SETUP_LINK_TTL_MS),
    });
  });
  return token;
}

export async function setupTokenIsValid(db: Database, token: string, at = now()): Promise<boolean> {
  const [invite] = await db
    .select({ usedAt: invites.usedAt, expiresAt: invites.expiresAt })
    .from(invites)
    .where(and(eq(invites.tokenHash, hashSecret(token)), eq(invites.kind, "setup")))
    .limit(1);
  return Boolean(invite && !invite.usedAt && (!invite.expiresAt || invite.expiresAt > at));
}

export const setupInputSchema = z.object({
  token: z.string().min(10).max(200),
  email: emailSchema,
  name: z.string().trim().min(1).max(100),
  password: passwordSchema,
});
export type SetupInput = z.infer<typeof setupInputSchema>;

/** Arbitrary constant naming the advisory lock that makes "no users yet → create the admin" one step. */
const SETUP_LOCK = 0x636c_7375; // "clsu"

/**
 * Create the first admin with a valid setup token; the token is spent in the same transaction.
 * Two nodes started at once can each print a valid link: the lock serialises completions, so
 * whichever comes second finds a user and answers 409 instead of creating a second admin.
 */
export async function completeSetup(db: Database, input: SetupInput, meta: { ip: string | null } = { ip: null }) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
    const at = now();
    const [invite] = await tx
      .update(invites)
      .set({ usedAt: at })
      .where(and(eq(invites.tokenHash, hashSecret(input.token)), eq(invites.kind, "setup"), isNull(invites.usedAt), or(isNull(invites.expiresAt), gt(invites.expiresAt, at))))
      .returning({ id: invites.id });
    if (!invite) throw new AppError("forbidden", "This setup link is invalid or has already been used");
    const [{ n }] = await tx.select({ n: count() }).from(users);
    if (n > 0) throw new AppError("conflict", "Setup is already complete; sign in instead");
    const [admin] = await tx
      .insert(users)
      .values({ email: input.email, name: input.name, role: "ADMIN", passwordHash })
      .returning({ id: users.id, email: users.email, name: users.name, role: users.role });
    await tx.update(invites).set({ usedBy: admin.id }).where(eq(invites.id, invite.id));
    await recordAudit(tx, {
      eventType: "auth.setup_completed",
      action: "setup",
      actorUserId: admin.id,
      ip: meta.ip,
      resourceType: "user",
      resourceId: admin.id,
      details: { role: "ADMIN" },
    });
    return admin;
  });
}
