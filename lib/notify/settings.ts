import { eq } from "drizzle-orm";
import { z } from "zod";
import { decryptSecrets, encryptSecrets } from "../agents/secrets";
import type { Database, DbOrTx } from "../db/client";
import { notificationDefaults, notificationPrefs, telegramLinks } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { notifyConfig } from "./config";

/** The associated data binds a stored URL to its row: a ciphertext copied elsewhere fails to decrypt. */
const aad = (owner: string) => `notify-webhook:${owner}`;
const seal = (owner: string, url: string) => encryptSecrets(aad(owner), { url });
const open = (owner: string, stored: string | null) => {
  if (!stored) return null;
  try {
    return decryptSecrets(aad(owner), stored).url ?? null;
  } catch {
    return null;
  }
};

/**
 * A webhook address the server may POST to: https, or http only when the operator allowed it
 * (NOTIFY_ALLOW_HTTP_WEBHOOKS, for a receiver on a private network or tests). No credentials in it.
 */
export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .url({ message: "must be a URL", abort: true })
  // zod runs later checks even when an earlier one failed unless told to abort; parse defensively anyway.
  .refine((u) => {
    const url = URL.canParse(u) ? new URL(u) : null;
    return url !== null && (url.protocol === "https:" || (url.protocol === "http:" && notifyConfig().allowHttpWebhooks));
  }, "must be an https:// URL (http:// only when NOTIFY_ALLOW_HTTP_WEBHOOKS=1)")
  .refine((u) => URL.canParse(u) && !new URL(u).username && !new URL(u).password, "must not contain a user name or password");

export const updatePrefsSchema = z
  .object({
    webhook_url: webhookUrlSchema.nullable().optional().describe("Set a new URL, or null to remove it; omitted: unchanged"),
    webhook_enabled: z.boolean().optional(),
    telegram_enabled: z.boolean().optional(),
  })
  .strict();
export type UpdatePrefs = z.infer<typeof updatePrefsSchema>;

export const prefsResponse = z.object({
  webhook: z.object({ enabled: z.boolean(), url_set: z.boolean(), host: z.string().nullable().describe("Only the host is shown back") }),
  telegram: z.object({ enabled: z.boolean(), linked: z.boolean(), username: z.string().nullable(), bot_configured: z.boolean(), bot_username: z.string().nullable() }),
  source: z.enum(["own", "defaults"]).describe("Whether these are the person's own choices or the admin's defaults"),
});
export type PrefsDto = z.infer<typeof prefsResponse>;

export const defaultsResponse = z.object({ webhook: z.object({ enabled: z.boolean(), url_set: z.boolean(), host: z.string().nullable() }), telegram_enabled: z.boolean() });

/** What applies to one person: their own row, else the admin's defaults. Includes the decrypted URL (server only). */
export interface EffectivePrefs {
  webhookUrl: string | null;
  telegramEnabled: boolean;
  source: "own" | "defaults";
}

export async function effectivePrefs(db: DbOrTx, userId: string): Promise<EffectivePrefs> {
  const [own] = await db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, userId)).limit(1);
  if (own) return { webhookUrl: own.webhookEnabled ? open(userId, own.webhookUrlEnc) : null, telegramEnabled: own.telegramEnabled, source: "own" };
  const [d] = await db.select().from(notificationDefaults).where(eq(notificationDefaults.id, 1)).limit(1);
  return { webhookUrl: d?.webhookEnabled ? open("defaults", d.webhookUrlEnc) : null, telegramEnabled: d?.telegramEnabled ?? true, source: "defaults" };
}

const hostOf = (url: string | null) => (url ? new URL(url).host : null);

export async function getPrefs(db: Database, ctx: AuthContext): Promise<PrefsDto> {
  const [own] = await db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, ctx.user.id)).limit(1);
  const [d] = own ? [] : await db.select().from(notificationDefaults).where(eq(notificationDefaults.id, 1)).limit(1);
  const [link] = await db.select({ username: telegramLinks.username }).from(telegramLinks).where(eq(telegramLinks.userId, ctx.user.id)).limit(1);
  const url = own ? open(ctx.user.id, own.webhookUrlEnc) : open("defaults", d?.webhookUrlEnc ?? null);
  const config = notifyConfig();
  return {
    webhook: { enabled: own ? own.webhookEnabled : (d?.webhookEnabled ?? false), url_set: Boolean(url), host: hostOf(url) },
    telegram: { enabled: own ? own.telegramEnabled : (d?.telegramEnabled ?? true), linked: Boolean(link), username: link?.username ?? null, bot_configured: Boolean(config.telegramToken), bot_username: config.telegramBotUsername ?? null },
    source: own ? "own" : "defaults",
  };
}

export async function updatePrefs(db: Database, ctx: AuthContext, body: UpdatePrefs): Promise<PrefsDto> {
  await db.transaction(async (tx) => {
    // The row and its audit entry commit together.
    const [current] = await tx.select().from(notificationPrefs).where(eq(notificationPrefs.userId, ctx.user.id)).limit(1);
    const next = {
      webhookEnabled: body.webhook_enabled ?? current?.webhookEnabled ?? Boolean(body.webhook_url),
      webhookUrlEnc: body.webhook_url === undefined ? (current?.webhookUrlEnc ?? null) : body.webhook_url === null ? null : seal(ctx.user.id, body.webhook_url),
      telegramEnabled: body.telegram_enabled ?? current?.telegramEnabled ?? true,
      updatedAt: new Date(),
    };
    if (next.webhookEnabled && !next.webhookUrlEnc) throw new AppError("validation_failed", "Set a webhook URL before turning the webhook on");
    await tx.insert(notificationPrefs).values({ userId: ctx.user.id, ...next }).onConflictDoUpdate({ target: notificationPrefs.userId, set: next });
    await recordAudit(tx, {
      eventType: "resource.modified",
      action: "update_notification_prefs",
      ...actorOf(ctx),
      resourceType: "notification_prefs",
      resourceId: ctx.user.id,
      details: { webhook_enabled: next.webhookEnabled, webhook_url_changed: body.webhook_url !== undefined, telegram_enabled: next.telegramEnabled, via: ctx.via },
    });
  });
  return getPrefs(db, ctx);
}

export async function getDefaults(db: Database, ctx: AuthContext): Promise<z.infer<typeof defaultsResponse>> {
  await authorize(ctx, "admin:users");
  const [d] = await db.select().from(notificationDefaults).where(eq(notificationDefaults.id, 1)).limit(1);
  const url = open("defaults", d?.webhookUrlEnc ?? null);
  return { webhook: { enabled: d?.webhookEnabled ?? false, url_set: Boolean(url), host: hostOf(url) }, telegram_enabled: d?.telegramEnabled ?? true };
}

export async function updateDefaults(db: Database, ctx: AuthContext, body: UpdatePrefs) {
  await authorize(ctx, "admin:users");
  await db.transaction(async (tx) => {
    const [current] = await tx.select().from(notificationDefaults).where(eq(notificationDefaults.id, 1)).limit(1);
    const next = {
      webhookEnabled: body.webhook_enabled ?? current?.webhookEnabled ?? Boolean(body.webhook_url),
      webhookUrlEnc: body.webhook_url === undefined ? (current?.webhookUrlEnc ?? null) : body.webhook_url === null ? null : seal("defaults", body.webhook_url),
      telegramEnabled: body.telegram_enabled ?? current?.telegramEnabled ?? true,
      updatedBy: ctx.user.id,
      updatedAt: new Date(),
    };
    if (next.webhookEnabled && !next.webhookUrlEnc) throw new AppError("validation_failed", "Set a webhook URL before turning the webhook on");
    await tx.insert(notificationDefaults).values({ id: 1, ...next }).onConflictDoUpdate({ target: notificationDefaults.id, set: next });
    await recordAudit(tx, {
      eventType: "resource.modified",
      action: "update_notification_defaults",
      ...actorOf(ctx),
      resourceType: "notification_defaults",
      resourceId: null,
      details: { webhook_enabled: next.webhookEnabled, webhook_url_changed: body.webhook_url !== undefined, telegram_enabled: next.telegramEnabled },
    });
  });
  return getDefaults(db, ctx);
}
