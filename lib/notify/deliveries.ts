import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { executionEvents, executions, notificationDeliveries, telegramFollows, telegramLinks, type NotificationDelivery } from "../db/schema";
import { effectivePrefs } from "./settings";

export const MAX_ATTEMPTS = 5;
type Channel = "webhook" | "telegram" | "none";

/**
 * Enqueue an announcement for every WAITING task whose current question has none yet, one row
 * per channel its owner uses ("none" when they use none, so the task is not looked at again).
 * Idempotent: the unique key (task, event, channel, user) lets any number of nodes run this.
 */
export async function enqueueWaiting(db: Database, opts: { telegram: boolean }): Promise<number> {
  const latestWait = db
    .select({ seq: sql<number>`max(${executionEvents.seq})`.as("seq") })
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, executions.id), eq(executionEvents.type, "wait")));
  const rows = await db
    .select({ taskId: executions.id, userId: executions.userId, seq: sql<number>`(${latestWait})`.as("wait_seq") })
    .from(executions)
    .where(
      and(
        eq(executions.state, "WAITING"),
        sql`not exists (select 1 from ${notificationDeliveries} d where d.task_id = ${executions.id} and d.kind = 'waiting' and d.event_seq = (${latestWait}))`,
      ),
    )
    .limit(100);
  let added = 0;
  for (const row of rows) {
    if (row.seq === null) continue;
    const channels = await channelsFor(db, row.userId, opts);
    const inserted = await db
      .insert(notificationDeliveries)
      .values(channels.map((channel) => ({ userId: row.userId, taskId: row.taskId, eventSeq: Number(row.seq), kind: "waiting", channel, status: channel === "none" ? "skipped" : "pending" })))
      .onConflictDoNothing()
      .returning({ id: notificationDeliveries.id });
    added += inserted.length;
  }
  return added;
}

async function channelsFor(db: Database, userId: string, opts: { telegram: boolean }): Promise<Channel[]> {
  const prefs = await effectivePrefs(db, userId);
  const channels: Channel[] = [];
  if (prefs.webhookUrl) channels.push("webhook");
  if (opts.telegram && prefs.telegramEnabled) {
    const [link] = await db.select({ chatId: telegramLinks.chatId }).from(telegramLinks).where(eq(telegramLinks.userId, userId)).limit(1);
    if (link) channels.push("telegram");
  }
  return channels.length ? channels : ["none"];
}

/** A "finished" message for each followed task that ended; the follow is then done. */
export async function enqueueFinished(db: Database): Promise<number> {
  const ended = await db
    .select({ taskId: telegramFollows.taskId, userId: telegramFollows.userId, seq: executions.eventsCount })
    .from(telegramFollows)
    .innerJoin(executions, eq(executions.id, telegramFollows.taskId))
    .where(inArray(executions.state, ["COMPLETED", "FAILED", "CANCELLED"]))
    .limit(100);
  for (const row of ended) {
    await db.transaction(async (tx) => {
      // Enqueue and forget the follow together, so it is announced exactly once.
      await tx.insert(notificationDeliveries).values({ userId: row.userId, taskId: row.taskId, eventSeq: row.seq, kind: "finished", channel: "telegram" }).onConflictDoNothing();
      await tx.delete(telegramFollows).where(and(eq(telegramFollows.taskId, row.taskId), eq(telegramFollows.userId, row.userId)));
    });
  }
  return ended.length;
}

/**
 * Claim deliveries that are due: each claim counts an attempt and pushes the next try out
 * (15 s, 30 s, 60 s …), so a node that dies mid-send leaves the row to be retried, and two
 * nodes never claim the same row (SKIP LOCKED).
 */
export async function claimDue(db: Database, limit = 20): Promise<NotificationDelivery[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: notificationDeliveries.id })
      .from(notificationDeliveries)
      .where(and(eq(notificationDeliveries.status, "pending"), lte(notificationDeliveries.nextAttemptAt, new Date())))
      .orderBy(asc(notificationDeliveries.nextAttemptAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(notificationDeliveries)
      .set({ attempts: sql`${notificationDeliveries.attempts} + 1`, nextAttemptAt: sql`now() + interval '15 seconds' * power(2, ${notificationDeliveries.attempts})` })
      .where(inArray(notificationDeliveries.id, due.map((d) => d.id)))
      .returning();
  });
}

export async function markSent(db: Database, id: string, message?: { chatId: string; messageId: number }): Promise<void> {
  await db
    .update(notificationDeliveries)
    .set({ status: "sent", sentAt: new Date(), lastError: null, ...(message ? { chatId: message.chatId, messageId: message.messageId } : {}) })
    .where(eq(notificationDeliveries.id, id));
}

/** Nothing to say any more (the question was answered first): not an error, not retried. */
export async function markSkipped(db: Database, id: string, reason: string): Promise<void> {
  await db.update(notificationDeliveries).set({ status: "skipped", lastError: reason }).where(eq(notificationDeliveries.id, id));
}

export async function markFailed(db: Database, delivery: NotificationDelivery, error: string): Promise<void> {
  await db
    .update(notificationDeliveries)
    .set({ status: delivery.attempts >= MAX_ATTEMPTS ? "failed" : "pending", lastError: error.slice(0, 500) })
    .where(eq(notificationDeliveries.id, delivery.id));
}

/** The waiting announcement a Telegram message carried (a reply to it answers that question). */
export async function deliveryForMessage(db: Database, chatId: string, messageId: number): Promise<NotificationDelivery | null> {
  const [row] = await db
    .select()
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.chatId, chatId), eq(notificationDeliveries.messageId, messageId), eq(notificationDeliveries.kind, "waiting")))
    .limit(1);
  return row ?? null;
}
