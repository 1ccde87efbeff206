import { randomUUID } from "node:crypto";
import { and, eq, lt, or, isNull, sql } from "drizzle-orm";
import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { DatabaseHandle } from "../db/client";
import { executions, notifyLeases, telegramLinks, type NotificationDelivery } from "../db/schema";
import { pendingQuestion } from "../engine/commands";
import { log } from "../log";
import { notifyConfig } from "./config";
import { claimDue, enqueueFinished, enqueueWaiting, markFailed, markSent, markSkipped } from "./deliveries";
import { telegramFinishedText, telegramWaitingText, webhookPayload, type WaitingAnnouncement } from "./messages";
import { effectivePrefs } from "./settings";
import type { createTelegramBot, waitingKeyboard } from "./telegram/bot";
import { postWebhook } from "./webhook";

export interface Notifier {
  /** One round: enqueue what is new, deliver what is due, and (the lease holder) read the bot's updates. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const LEASE_MS = 30_000;

/**
 * Announces tasks that wait for people (webhook, Telegram) and runs the Telegram bot. Every node
 * may run one: enqueueing is idempotent and deliveries are claimed, so each is sent once; only
 * the node holding the "telegram" lease polls the Bot API (two pollers would get 409 Conflict).
 */
export function startNotifier(handle: DatabaseHandle, opts: { nodeId?: string; loop?: boolean } = {}): Notifier {
  const db = handle.db;
  const nodeId = opts.nodeId ?? `notify-${randomUUID().slice(0, 8)}`;
  const config = notifyConfig();
  const token = config.telegramToken;
  // grammy (about 4 MB of heap) loads only on a node with a Telegram token, on first use.
  let telegramClient: Promise<{ api: Api; bot: ReturnType<typeof createTelegramBot>; keyboard: typeof waitingKeyboard }> | undefined;
  const telegram = (telegramToken: string) =>
    (telegramClient ??= Promise.all([import("grammy"), import("./telegram/bot")]).then(([{ Api }, telegramBot]) => ({
      api: new Api(telegramToken, { apiRoot: config.telegramApiUrl }),
      bot: telegramBot.createTelegramBot(handle, { token: telegramToken, apiRoot: config.telegramApiUrl }),
      keyboard: telegramBot.waitingKeyboard,
    })));
  let botReady: Promise<void> | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;

  async function deliver(d: NotificationDelivery): Promise<void> {
    const [task] = await db.select().from(executions).where(eq(executions.id, d.taskId)).limit(1);
    if (!task) return markSkipped(db, d.id, "task gone");
    if (d.kind === "finished") {
      const [link] = await db.select().from(telegramLinks).where(eq(telegramLinks.userId, d.userId)).limit(1);
      if (!link || !token) return markSkipped(db, d.id, "telegram not linked");
      const { api } = await telegram(token);
      const result = task.result as { output?: unknown } | null;
      const output = result && typeof result.output === "string" ? result.output : null;
      const sent = await api.sendMessage(link.chatId, telegramFinishedText({ taskId: task.id, state: task.state, prompt: task.prompt, error: task.error, output }), { link_preview_options: { is_disabled: true } });
      return markSent(db, d.id, { chatId: link.chatId, messageId: sent.message_id });
    }
    const wait = await pendingQuestion(db, d.taskId);
    if (task.state !== "WAITING" || !wait || wait.seq !== d.eventSeq) return markSkipped(db, d.id, "already answered");
    const w = wait.data as { kind?: string; prompt?: string; tool?: { name: string; input?: unknown }; options?: string[] };
    const a: WaitingAnnouncement = { taskId: task.id, prompt: task.prompt, agentType: task.agentType, kind: w.kind === "approval" ? "approval" : "question", question: w.prompt ?? "", tool: w.tool, options: w.options };
    if (d.channel === "webhook") {
      const { webhookUrl } = await effectivePrefs(db, d.userId);
      if (!webhookUrl) return markSkipped(db, d.id, "webhook turned off");
      await postWebhook(webhookUrl, webhookPayload(a));
      return markSent(db, d.id);
    }
    const [link] = await db.select().from(telegramLinks).where(eq(telegramLinks.userId, d.userId)).limit(1);
    if (!link || !token) return markSkipped(db, d.id, "telegram not linked");
    const { api, keyboard: waitingKeyboard } = await telegram(token);
    const keyboard = waitingKeyboard(task.id, d.eventSeq, a.kind, a.kind === "approval" ? [] : (a.options ?? []));
    const sent = await api.sendMessage(link.chatId, telegramWaitingText(a), {
      link_preview_options: { is_disabled: true },
      reply_markup: keyboard ?? { force_reply: true, input_field_placeholder: "Your answer" },
    });
    return markSent(db, d.id, { chatId: link.chatId, messageId: sent.message_id });
  }

  /** Take or renew the poller lease; returns the update offset to read from, or null when another node holds it. */
  async function telegramLease(): Promise<number | null> {
    const until = new Date(Date.now() + LEASE_MS);
    const [row] = await db
      .insert(notifyLeases)
      .values({ name: "telegram", holder: nodeId, expiresAt: until })
      .onConflictDoUpdate({
        target: notifyLeases.name,
        set: { holder: nodeId, expiresAt: until },
        where: or(eq(notifyLeases.holder, nodeId), isNull(notifyLeases.expiresAt), lt(notifyLeases.expiresAt, new Date())),
      })
      .returning({ cursor: notifyLeases.cursor, holder: notifyLeases.holder });
    return row && row.holder === nodeId ? row.cursor : null;
  }

  async function pollTelegram(): Promise<void> {
    if (!token) return;
    const offset = await telegramLease();
    if (offset === null) return;
    const { api, bot } = await telegram(token);
    botReady ??= bot.init();
    await botReady;
    const updates: Update[] = await api.getUpdates({ offset, timeout: 0, limit: 50, allowed_updates: ["message", "callback_query"] });
    for (const update of updates) {
      await bot.handleUpdate(update).catch((error: Error) => log.warn({ err: error.message }, "telegram update failed"));
      // The cursor moves past each update once handled, so a restart neither loses nor repeats it.
      await db.update(notifyLeases).set({ cursor: sql`greatest(${notifyLeases.cursor}, ${update.update_id + 1})` }).where(eq(notifyLeases.name, "telegram"));
    }
  }

  async function tick(): Promise<void> {
    await enqueueWaiting(db, { telegram: Boolean(token) });
    if (token) await enqueueFinished(db);
    for (const d of await claimDue(db)) {
      await deliver(d).catch(async (error: Error) => {
        log.warn({ delivery: d.id, channel: d.channel, err: error.message }, "notification delivery failed");
        await markFailed(db, d, error.message);
      });
    }
    await pollTelegram().catch((error: Error) => log.warn({ err: error.message }, "telegram poll failed"));
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((error: Error) => log.warn({ err: error.message }, "notifier round failed"))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, config.pollMs);
      });
  };
  if (opts.loop !== false) timer = setTimeout(loop, 0);

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      // Hand the poller lease over at once instead of letting it expire.
      await db.update(notifyLeases).set({ expiresAt: null, holder: null }).where(and(eq(notifyLeases.name, "telegram"), eq(notifyLeases.holder, nodeId))).catch(() => undefined);
    },
  };
}
