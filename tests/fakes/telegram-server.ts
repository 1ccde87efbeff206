import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback fake of the Telegram Bot API methods the bot uses (getMe, getUpdates, sendMessage,
 * answerCallbackQuery, editMessageText). Tests play a person: `send` and `press` queue updates
 * as Telegram would deliver them; `sent` holds what the bot said, `answers` its callback replies.
 */
export interface SentMessage {
  message_id: number;
  chat_id: string;
  text: string;
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>>; force_reply?: boolean };
}

export interface FakeTelegram {
  url: string;
  token: string;
  sent: SentMessage[];
  edits: Array<{ chat_id: string; message_id: number; text: string }>;
  answers: Array<{ callback_query_id: string; text?: string }>;
  /** A text message from a person in a chat (optionally a reply to one of the bot's messages). */
  send(chatId: number, text: string, opts?: { replyTo?: number; username?: string }): void;
  /** A person pressing an inline button under one of the bot's messages. */
  press(chatId: number, message: SentMessage, data: string): string;
  /** Every request, for asserting the bot never polled with a wrong token, etc. */
  calls: Array<{ method: string; token: string }>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startFakeTelegram(token = "123456:TEST-token"): Promise<FakeTelegram> {
  let updateId = 100;
  let messageId = 1000;
  const queue: Array<Record<string, unknown>> = [];
  const chat = (id: number) => ({ id, type: "private", first_name: "Tess" });
  const from = (id: number, username = "tess") => ({ id, is_bot: false, first_name: "Tess", username });
  const state: FakeTelegram = {
    url: "",
    token,
    sent: [],
    edits: [],
    answers: [],
    calls: [],
    send(chatId, text, opts = {}) {
      const entities = text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.split(/\s/)[0].length }] : undefined;
      const replied = opts.replyTo === undefined ? undefined : state.sent.find((m) => m.message_id === opts.replyTo);
      queue.push({
        update_id: ++updateId,
        message: {
          message_id: ++messageId,
          date: Math.floor(Date.now() / 1000),
          chat: chat(chatId),
          from: from(chatId, opts.username),
          text,
          ...(entities ? { entities } : {}),
          ...(replied ? { reply_to_message: { message_id: replied.message_id, date: 0, chat: chat(chatId), text: replied.text } } : {}),
        },
      });
    },
    press(chatId, message, data) {
      const id = `cb-${++updateId}`;
      queue.push({
        update_id: updateId,
        callback_query: { id, from: from(chatId), chat_instance: "ci", data, message: { message_id: message.message_id, date: 0, chat: chat(chatId), text: message.text } },
      });
      return id;
    },
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    // Control endpoints for tests in another process (Playwright): what the bot said, and a person's moves.
    if ((req.url ?? "").startsWith("/__fake/")) {
      const body = await readJson(req);
      const reply = (data: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(data));
      if (req.url === "/__fake/sent") return reply({ sent: state.sent, answers: state.answers, edits: state.edits });
      if (req.url === "/__fake/send") return reply(state.send(Number(body.chat_id), String(body.text), { replyTo: body.reply_to === undefined ? undefined : Number(body.reply_to) }) ?? {});
      if (req.url === "/__fake/press") {
        const message = state.sent.find((m) => m.message_id === Number(body.message_id));
        if (!message) return res.writeHead(404).end();
        return reply({ callback_query_id: state.press(Number(body.chat_id), message, String(body.data)) });
      }
      return res.writeHead(404).end();
    }
    const match = /^\/bot([^/]+)\/(\w+)$/.exec((req.url ?? "").split("?")[0]);
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    if (!match) return send(404, { ok: false, error_code: 404, description: "Not Found" });
    const [, tok, method] = match;
    state.calls.push({ method, token: tok });
    if (tok !== token) return send(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const body = await readJson(req);
    const ok = (result: unknown) => send(200, { ok: true, result });
    switch (method) {
      case "getMe":
        return ok({ id: 42, is_bot: true, first_name: "Claw", username: "clawlink_test_bot", can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false });
      case "getUpdates": {
        const offset = Number(body.offset ?? 0);
        while (queue.length && Number(queue[0].update_id) < offset) queue.shift();
        return ok(queue.filter((u) => Number(u.update_id) >= offset).slice(0, Number(body.limit ?? 100)));
      }
      case "sendMessage": {
        const replyMarkup = typeof body.reply_markup === "string" ? JSON.parse(body.reply_markup) : body.reply_markup;
        const message: SentMessage = { message_id: ++messageId, chat_id: String(body.chat_id), text: String(body.text), ...(replyMarkup ? { reply_markup: replyMarkup } : {}) };
        state.sent.push(message);
        return ok({ message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: chat(Number(body.chat_id)), text: message.text });
      }
      case "answerCallbackQuery":
        state.answers.push({ callback_query_id: String(body.callback_query_id), text: body.text === undefined ? undefined : String(body.text) });
        return ok(true);
      case "editMessageText":
        state.edits.push({ chat_id: String(body.chat_id), message_id: Number(body.message_id), text: String(body.text) });
        return ok({ message_id: Number(body.message_id), date: 0, chat: chat(Number(body.chat_id)), text: String(body.text) });
      default:
        return send(400, { ok: false, error_code: 400, description: `fake: ${method} is not implemented` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
