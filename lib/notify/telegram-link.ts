import { createHash, randomInt } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { telegramLinkCodes, telegramLinks } from "../db/schema";
import { actorOf, recordAudit } from "../security/audit";
import type { AuthContext } from "../security/context";

const CODE_TTL_MS = 10 * 60_000;
// No 0/O or 1/I/L: the code is read off one screen and typed on another.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

const hash = (code: string) => createHash("sha256").update(code.trim().toUpperCase()).digest("hex");

/** A fresh one-time code for linking a Telegram chat; earlier unused codes of this person stop working. */
export async function createLinkCode(db: Database, ctx: AuthContext): Promise<{ code: string; expires_at: string }> {
  const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  const expiresAt = new Date(Date.now() + CODE_TTL_MS);
  await db.transaction(async (tx) => {
    await tx.delete(telegramLinkCodes).where(eq(telegramLinkCodes.userId, ctx.user.id));
    await tx.insert(telegramLinkCodes).values({ codeHash: hash(code), userId: ctx.user.id, expiresAt });
  });
  return { code, expires_at: expiresAt.toISOString() };
}

/**
 * Redeem a code from a chat: the chat becomes that person's (a chat linked to someone else is
 * moved, since whoever holds the code chose it). Null when the code is unknown, used or expired.
 */
export async function redeemLinkCode(db: Database, code: string, chat: { chatId: string; username: string | null }): Promise<{ userId: string } | null> {
  return db.transaction(async (tx) => {
    // Marking it used in the same statement that checks it: two chats racing with one code, one wins.
    const [row] = await tx
      .update(telegramLinkCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(telegramLinkCodes.codeHash, hash(code)), isNull(telegramLinkCodes.usedAt), gt(telegramLinkCodes.expiresAt, new Date())))
      .returning({ userId: telegramLinkCodes.userId });
    if (!row) return null;
    await tx.delete(telegramLinks).where(eq(telegramLinks.chatId, chat.chatId));
    await tx
      .insert(telegramLinks)
      .values({ userId: row.userId, chatId: chat.chatId, username: chat.username })
      .onConflictDoUpdate({ target: telegramLinks.userId, set: { chatId: chat.chatId, username: chat.username, linkedAt: new Date() } });
    await recordAudit(tx, {
      eventType: "resource.created",
      action: "link_telegram",
      actorUserId: row.userId,
      resourceType: "telegram_link",
      resourceId: row.userId,
      details: { chat_id: chat.chatId, username: chat.username },
    });
    return { userId: row.userId };
  });
}

export async function unlinkTelegram(db: Database, ctx: AuthContext): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx.delete(telegramLinks).where(eq(telegramLinks.userId, ctx.user.id)).returning({ chatId: telegramLinks.chatId });
    if (removed.length)
      await recordAudit(tx, { eventType: "resource.deleted", action: "unlink_telegram", ...actorOf(ctx), resourceType: "telegram_link", resourceId: ctx.user.id, details: { via: ctx.via } });
  });
}

/** The account a chat is linked to, if any. */
export async function linkedUser(db: Database, chatId: string): Promise<string | null> {
  const [row] = await db.select({ userId: telegramLinks.userId }).from(telegramLinks).where(eq(telegramLinks.chatId, chatId)).limit(1);
  return row?.userId ?? null;
}
