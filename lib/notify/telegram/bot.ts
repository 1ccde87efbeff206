import { randomUUID } from "node:crypto";
import { Bot, InlineKeyboard, type Context } from "grammy";
import type { DatabaseHandle } from "../../db/client";
import { telegramFollows } from "../../db/schema";
import { isAppError } from "../../errors";
import { runtimeFor } from "../../runtime/local-runtime";
import { contextForUser } from "../../security/authenticate";
import type { AuthContext } from "../../security/context";
import { deliveryForMessage } from "../deliveries";
import { taskUrl } from "../messages";
import { linkedUser, redeemLinkCode } from "../telegram-link";

const HELP = [
  "coderClawLink commands:",
  "/tasks – your recent tasks",
  "/submit <agent> <prompt> – run a task (and follow it)",
  "/follow <task> – be told when it ends",
  "/cancel <task> – cancel it",
  "A waiting task is answered with its Approve/Deny buttons, or by replying to its question.",
].join("\n");

const NOT_LINKED = "This chat is not linked to a coderClawLink account, so it can do nothing. In the portal open Account → Notifications → Link Telegram, then send the /start command shown there.";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Telegram transport: a grammY bot whose every action runs through the runtime as the
 * person the chat is linked to (their permissions, policies and audit trail, `via: telegram`).
 * A chat that is not linked can only redeem a link code.
 */
export function createTelegramBot(handle: DatabaseHandle, opts: { token: string; apiRoot: string }) {
  const bot = new Bot(opts.token, { client: { apiRoot: opts.apiRoot } });
  const runtime = runtimeFor(handle);
  const db = handle.db;

  /** The caller as the runtime sees them, or null (unlinked chat, disabled account). */
  const callerOf = async (ctx: Context): Promise<AuthContext | null> => {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return null;
    const userId = await linkedUser(db, String(chatId));
    if (!userId) return null;
    return contextForUser(db, userId, { via: "telegram", requestId: `telegram-${ctx.update.update_id}-${randomUUID().slice(0, 8)}`, ip: null, userAgent: "telegram" });
  };

  const say = (ctx: Context, text: string) => ctx.reply(text, { link_preview_options: { is_disabled: true } });
  const failure = (error: unknown) => (isAppError(error) ? error.message : "Something went wrong; try again or use the portal.");

  /** A full task id, or the unique task of yours whose id starts with the given characters. */
  const resolveTask = async (caller: AuthContext, arg: string): Promise<string | null> => {
    const wanted = arg.trim().toLowerCase();
    if (UUID.test(wanted)) return wanted;
    if (wanted.length < 4) return null;
    const { tasks } = await runtime.listTasks(caller, { limit: 200 });
    const found = tasks.filter((t) => t.task_id.startsWith(wanted));
    return found.length === 1 ? found[0].task_id : null;
  };

  bot.command(["start", "link"], async (ctx) => {
    const code = ctx.match.trim();
    const chatId = String(ctx.chat.id);
    if (!code) return say(ctx, (await linkedUser(db, chatId)) ? HELP : NOT_LINKED);
    const linked = await redeemLinkCode(db, code, { chatId, username: ctx.from?.username ?? null });
    if (!linked) return say(ctx, "That code is not valid (codes work once, for 10 minutes). Create a new one on the Account page.");
    return say(ctx, `Linked. Tasks that wait for you will be announced here.\n\n${HELP}`);
  });

  // Everything below needs a linked chat.
  bot.use(async (ctx, next) => {
    const caller = await callerOf(ctx);
    if (!caller) {
      if (ctx.callbackQuery) return ctx.answerCallbackQuery({ text: NOT_LINKED.slice(0, 190), show_alert: true });
      return say(ctx, NOT_LINKED);
    }
    ctx.caller = caller;
    return next();
  });

  bot.command("help", (ctx) => say(ctx, HELP));

  bot.command("tasks", async (ctx) => {
    try {
      const { tasks } = await runtime.listTasks(ctx.caller!, { limit: 10 });
      if (tasks.length === 0) return say(ctx, "You have no tasks yet.");
      return say(ctx, tasks.map((t) => `${t.task_id.slice(0, 8)} ${t.state.padEnd(9)} ${t.agent_type}: ${t.prompt.split("\n")[0].slice(0, 60)}`).join("\n"));
    } catch (error) {
      return say(ctx, failure(error));
    }
  });

  bot.command("submit", async (ctx) => {
    const [agent, ...rest] = ctx.match.trim().split(/\s+/);
    const prompt = ctx.match.trim().slice(agent?.length ?? 0).trim();
    if (!agent || rest.length === 0 || !prompt) return say(ctx, "Usage: /submit <agent> <prompt>");
    try {
      const task = await runtime.submitTask(ctx.caller!, { agent_type: agent, prompt, context: {}, skills: [] });
      await db.insert(telegramFollows).values({ taskId: task.task_id, userId: ctx.caller!.user.id }).onConflictDoNothing();
      return say(ctx, `Submitted task ${task.task_id.slice(0, 8)} (${task.state}). I will tell you when it ends.\n${taskUrl(task.task_id)}`);
    } catch (error) {
      return say(ctx, failure(error));
    }
  });

  bot.command("follow", async (ctx) => {
    try {
      const id = await resolveTask(ctx.caller!, ctx.match);
      if (!id) return say(ctx, "Usage: /follow <task id or its first characters>");
      const task = await runtime.getTask(ctx.caller!, id);
      await db.insert(telegramFollows).values({ taskId: task.task_id, userId: ctx.caller!.user.id }).onConflictDoNothing();
      return say(ctx, `Following task ${task.task_id.slice(0, 8)}: ${task.state}. I will tell you when it ends.`);
    } catch (error) {
      return say(ctx, failure(error));
    }
  });

  bot.command("cancel", async (ctx) => {
    try {
      const id = await resolveTask(ctx.caller!, ctx.match);
      if (!id) return say(ctx, "Usage: /cancel <task id or its first characters>");
      const task = await runtime.cancelTask(ctx.caller!, id, { waitMs: 2_000 });
      return say(ctx, `Task ${task.task_id.slice(0, 8)}: ${task.state}${task.cancel_requested && task.state !== "CANCELLED" ? " (cancelling)" : ""}`);
    } catch (error) {
      return say(ctx, failure(error));
    }
  });

  // Approve / Deny / an offered option: "a|d|o:<task>:<seq>[:<option index>]".
  bot.on("callback_query:data", async (ctx) => {
    const [action, taskId, seqText, optionText] = ctx.callbackQuery.data.split(":");
    const seq = Number(seqText);
    try {
      const task = await runtime.getTask(ctx.caller!, taskId);
      if (task.state !== "WAITING" || task.pending_question?.seq !== seq) return ctx.answerCallbackQuery({ text: "This question was already answered.", show_alert: true });
      let done: string;
      if (action === "a" || action === "d") {
        await runtime.provideInput(ctx.caller!, taskId, { approved: action === "a" });
        done = action === "a" ? "✅ Approved" : "🚫 Denied";
      } else {
        const option = task.pending_question.options?.[Number(optionText)];
        if (option === undefined) return ctx.answerCallbackQuery({ text: "Unknown option." });
        await runtime.provideInput(ctx.caller!, taskId, { answer: option });
        done = `↩ Answered: ${option}`;
      }
      await ctx.answerCallbackQuery({ text: done });
      const original = ctx.callbackQuery.message && "text" in ctx.callbackQuery.message ? ctx.callbackQuery.message.text : "";
      await ctx.editMessageText(`${original ?? ""}\n\n${done} by ${ctx.caller!.user.email}`).catch(() => undefined);
    } catch (error) {
      await ctx.answerCallbackQuery({ text: failure(error).slice(0, 190), show_alert: true });
    }
  });

  // A reply to a question we announced answers it.
  bot.on("message:text", async (ctx) => {
    const replyTo = ctx.message.reply_to_message?.message_id;
    if (replyTo === undefined) return say(ctx, HELP);
    const delivery = await deliveryForMessage(db, String(ctx.chat.id), replyTo);
    if (!delivery || delivery.userId !== ctx.caller!.user.id) return say(ctx, "Reply to a task's question to answer it.");
    try {
      const task = await runtime.getTask(ctx.caller!, delivery.taskId);
      if (task.state !== "WAITING" || task.pending_question?.seq !== delivery.eventSeq) return say(ctx, "That question was already answered.");
      await runtime.provideInput(ctx.caller!, delivery.taskId, { answer: ctx.message.text });
      return say(ctx, `↩ Sent to task ${delivery.taskId.slice(0, 8)}.`);
    } catch (error) {
      return say(ctx, failure(error));
    }
  });

  bot.catch(() => undefined);
  return bot;
}

/** Inline buttons under a waiting announcement. */
export function waitingKeyboard(taskId: string, seq: number, kind: "approval" | "question", options: string[] = []): InlineKeyboard | undefined {
  if (kind === "approval") return new InlineKeyboard().text("✅ Approve", `a:${taskId}:${seq}`).text("🚫 Deny", `d:${taskId}:${seq}`);
  if (options.length === 0) return undefined;
  const kb = new InlineKeyboard();
  options.slice(0, 8).forEach((o, i) => kb.text(o.slice(0, 40), `o:${taskId}:${seq}:${i}`).row());
  return kb;
}

declare module "grammy" {
  interface Context {
    /** Set by the link check for every update from a linked chat. */
    caller?: AuthContext;
  }
}
