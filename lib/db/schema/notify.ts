import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { executions } from "./runtime";

/**
 * Where a person is told that a task waits for them. One row per user who chose; the admin's
 * defaults (`notification_defaults`) apply to everyone else. Webhook URLs are secrets (a Slack
 * incoming webhook is its own credential): stored encrypted, never returned.
 */
export const notificationPrefs = pgTable("notification_prefs", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  webhookEnabled: boolean("webhook_enabled").notNull().default(false),
  webhookUrlEnc: text("webhook_url_enc"),
  telegramEnabled: boolean("telegram_enabled").notNull().default(true),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** The admin's defaults, one row (id = 1): a team webhook, and whether Telegram announces. */
export const notificationDefaults = pgTable("notification_defaults", {
  id: integer("id").primaryKey().default(1),
  webhookEnabled: boolean("webhook_enabled").notNull().default(false),
  webhookUrlEnc: text("webhook_url_enc"),
  telegramEnabled: boolean("telegram_enabled").notNull().default(true),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** A Telegram chat linked to one account; the only chats the bot acts for. */
export const telegramLinks = pgTable(
  "telegram_links",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    chatId: text("chat_id").notNull(),
    username: text("username"),
    linkedAt: timestamp("linked_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("telegram_links_chat_idx").on(t.chatId)],
);

/** One-time link codes from the Account page; only a SHA-256 of the code is kept. */
export const telegramLinkCodes = pgTable(
  "telegram_link_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("telegram_link_codes_user_idx").on(t.userId)],
);

/**
 * Every announcement, persisted before it is sent. The unique key (task, event, channel, user)
 * makes enqueueing idempotent across nodes and restarts; a node claims a due row (attempts,
 * next_attempt_at) before delivering, so each is sent once and failures are retried with backoff.
 */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    taskId: uuid("task_id")
      .notNull()
      .references(() => executions.id, { onDelete: "cascade" }),
    /** The task event announced: the `wait` event's seq, or the terminal state event's for "finished". */
    eventSeq: integer("event_seq").notNull(),
    /** waiting | finished */
    kind: text("kind").notNull(),
    /** webhook | telegram */
    channel: text("channel").notNull(),
    /** pending | sent | failed */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastError: text("last_error"),
    /** Telegram: the chat and message that carried it, so a reply to it answers the task. */
    chatId: text("chat_id"),
    messageId: integer("message_id"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("notification_deliveries_once_idx").on(t.taskId, t.eventSeq, t.channel, t.userId),
    index("notification_deliveries_due_idx").on(t.nextAttemptAt),
    index("notification_deliveries_message_idx").on(t.chatId, t.messageId),
  ],
);

/** Tasks a Telegram chat follows: the bot posts how they ended. */
export const telegramFollows = pgTable(
  "telegram_follows",
  {
    taskId: uuid("task_id")
      .notNull()
      .references(() => executions.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("telegram_follows_idx").on(t.taskId, t.userId)],
);

/**
 * Small leases and cursors for node-wide singletons: only one node polls the Telegram Bot API
 * (two pollers get 409 Conflict), and its update offset survives restarts.
 */
export const notifyLeases = pgTable("notify_leases", {
  name: text("name").primaryKey(),
  holder: text("holder"),
  expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
  cursor: integer("cursor").notNull().default(0),
});

export type NotificationDelivery = typeof notificationDeliveries.$inferSelect;
