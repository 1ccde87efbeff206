import { z } from "zod";

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

/**
 * Notification settings from the environment (read on each call, so tests can change them):
 * the Telegram bot's token and Bot API base URL (a local Bot API server, or a fake in tests),
 * and whether webhooks may be plain http.
 */
const schema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  TELEGRAM_API_URL: z.string().url().default("https://api.telegram.org"),
  /** Shown on the Account page (t.me/<name>) when set. */
  TELEGRAM_BOT_USERNAME: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  NOTIFY_ALLOW_HTTP_WEBHOOKS: flag,
  /** How often a node looks for tasks to announce and deliveries to retry. */
  NOTIFY_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  APP_URL: z.string().url().optional(),
});

export function notifyConfig() {
  const c = schema.parse(process.env);
  return {
    telegramToken: c.TELEGRAM_BOT_TOKEN,
    telegramApiUrl: c.TELEGRAM_API_URL.replace(/\/$/, ""),
    telegramBotUsername: c.TELEGRAM_BOT_USERNAME,
    allowHttpWebhooks: c.NOTIFY_ALLOW_HTTP_WEBHOOKS,
    pollMs: c.NOTIFY_POLL_MS,
    appUrl: c.APP_URL?.replace(/\/$/, ""),
  };
}
