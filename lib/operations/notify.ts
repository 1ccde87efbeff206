import { z } from "zod";
import { createLinkCode, defaultsResponse, getDefaults, getPrefs, prefsResponse, unlinkTelegram, updateDefaults, updatePrefs, updatePrefsSchema } from "../notify";
import { operation } from "./define";

const TAG = "Notifications";

/** Where people are told that a task waits for them: a webhook, a linked Telegram chat; the admin's defaults. */
export const notifyOperations = {
  "account.notifications.get": operation({
    method: "GET",
    path: "/api/account/notifications",
    tag: TAG,
    summary: "The caller's notification channels (the webhook URL is never shown back, only its host)",
    access: "signed-in",
    scope: "own",
    output: prefsResponse,
    run: ({ ctx, db }) => getPrefs(db, ctx),
  }),
  "account.notifications.update": operation({
    method: "PUT",
    path: "/api/account/notifications",
    tag: TAG,
    summary: "Set the caller's webhook (Slack-compatible incoming webhook) and Telegram announcements",
    access: "trusted",
    scope: "own",
    audits: ["resource.modified"],
    body: updatePrefsSchema,
    output: prefsResponse,
    run: ({ ctx, db, body }) => updatePrefs(db, ctx, body),
  }),
  "account.telegram.code": operation({
    method: "POST",
    path: "/api/account/notifications/telegram/code",
    tag: TAG,
    summary: "A one-time code (10 minutes) that links a Telegram chat to the caller: send /start CODE to the bot",
    access: "trusted",
    scope: "own",
    status: 201,
    output: z.object({ code: z.string(), expires_at: z.string(), command: z.string(), bot_username: z.string().nullable() }),
    run: async ({ ctx, db }) => {
      const prefs = await getPrefs(db, ctx);
      const code = await createLinkCode(db, ctx);
      return { ...code, command: `/start ${code.code}`, bot_username: prefs.telegram.bot_username };
    },
  }),
  "account.telegram.unlink": operation({
    method: "DELETE",
    path: "/api/account/notifications/telegram",
    tag: TAG,
    summary: "Unlink the caller's Telegram chat; the bot then does nothing for it",
    access: "trusted",
    scope: "own",
    audits: ["resource.deleted"],
    run: async ({ ctx, db }) => {
      await unlinkTelegram(db, ctx);
    },
  }),
  "admin.notifications.get": operation({
    method: "GET",
    path: "/api/admin/notifications",
    tag: TAG,
    summary: "The defaults for people who have not chosen their own channels",
    access: "admin:users",
    output: defaultsResponse,
    run: ({ ctx, db }) => getDefaults(db, ctx),
  }),
  "admin.notifications.update": operation({
    method: "PUT",
    path: "/api/admin/notifications",
    tag: TAG,
    summary: "Set the defaults: a team webhook, and whether Telegram announces",
    access: "admin:users",
    audits: ["resource.modified"],
    body: updatePrefsSchema,
    output: defaultsResponse,
    run: ({ ctx, db, body }) => updateDefaults(db, ctx, body),
  }),
};
