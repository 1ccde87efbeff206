"use client";

import { useState, useSyncExternalStore, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime } from "@/lib/client/format";
import {
  useNotificationPrefsQuery,
  useTelegramCodeMutation,
  useUnlinkTelegramMutation,
  useUpdateNotificationPrefsMutation,
  type LinkCode,
  type NotificationPrefs,
} from "@/lib/client/hooks/use-notifications";
import { BROWSER_ALERTS_KEY } from "@/lib/client/hooks/use-waiting";

/** Where you are told that a task waits for you: this browser, a webhook, Telegram. */
export function NotificationsPanel() {
  const [linking, setLinking] = useState(false);
  // While a link code is shown, look for the link every few seconds so the page updates when it is used.
  const prefs = useNotificationPrefsQuery(linking ? 3_000 : undefined);
  return (
    <Card data-testid="notifications-panel">
      <CardHeader title="Notifications" description="How you hear about tasks that wait for your answer, when you are not on their page." />
      <div className="divide-y divide-slate-100">
        <BrowserAlerts />
        <QueryState query={prefs} testId="notifications-prefs" rows={2}>
          {prefs.data ? (
            <>
              <WebhookSettings prefs={prefs.data} />
              <TelegramSettings prefs={prefs.data} onLinking={setLinking} />
            </>
          ) : null}
        </QueryState>
      </div>
    </Card>
  );
}

const subscribeStorage = (l: () => void) => {
  window.addEventListener("storage", l);
  return () => window.removeEventListener("storage", l);
};

function BrowserAlerts() {
  const supported = useSyncExternalStore(subscribeStorage, () => "Notification" in window, () => true);
  const [state, setState] = useState(0); // re-render after a change
  const on = useSyncExternalStore(
    subscribeStorage,
    () => "Notification" in window && Notification.permission === "granted" && localStorage.getItem(BROWSER_ALERTS_KEY) === "on",
    () => false,
  );
  const denied = useSyncExternalStore(subscribeStorage, () => "Notification" in window && Notification.permission === "denied", () => false);
  return (
    <section className="space-y-2 px-5 py-4" data-testid="browser-alerts" data-on={on} data-version={state}>
      <h3 className="text-sm font-semibold text-slate-900">This browser</h3>
      <p className="text-sm text-slate-600">The tab title and a message in the corner always show waiting tasks. A system notification can also appear when this tab is in the background.</p>
      {!supported ? <p className="text-sm text-slate-600">This browser has no notifications.</p> : null}
      {denied ? <Alert tone="warning">Notifications are blocked for this site in the browser&apos;s settings.</Alert> : null}
      {supported && !denied ? (
        <Button
          variant="secondary"
          data-testid="browser-alerts-toggle"
          aria-pressed={on}
          onClick={async () => {
            if (on) localStorage.setItem(BROWSER_ALERTS_KEY, "off");
            else if ((await Notification.requestPermission()) === "granted") localStorage.setItem(BROWSER_ALERTS_KEY, "on");
            setState((n) => n + 1);
          }}
        >
          {on ? "Turn off system notifications" : "Turn on system notifications"}
        </Button>
      ) : null}
    </section>
  );
}

function WebhookSettings({ prefs }: { prefs: NotificationPrefs }) {
  const update = useUpdateNotificationPrefsMutation();
  const [url, setUrl] = useState("");
  const [saved, setSaved] = useState(false);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const ok = await update.mutateAsync({ webhook_url: url.trim(), webhook_enabled: true }).then(() => true, () => false);
    if (ok) {
      setUrl("");
      setSaved(true);
    }
  }
  return (
    <section className="space-y-3 px-5 py-4" data-testid="webhook-settings">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold text-slate-900">Webhook</h3>
        {prefs.webhook.enabled && prefs.webhook.url_set ? (
          <Badge tone="green" testId="webhook-status">
            on · {prefs.webhook.host}
          </Badge>
        ) : (
          <Badge testId="webhook-status">off</Badge>
        )}
        {prefs.source === "defaults" ? <Badge tone="blue">team default</Badge> : null}
      </div>
      <p className="text-sm text-slate-600">
        A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat…): each waiting task is posted with a link to it. The address is stored encrypted and never shown again.
      </p>
      <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
        <Field label="Webhook URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.slack.com/services/…" data-testid="webhook-url" autoComplete="off" />
        <Button type="submit" disabled={update.isPending} data-testid="webhook-save">
          {update.isPending ? "Saving…" : prefs.webhook.url_set ? "Replace" : "Save"}
        </Button>
      </form>
      {prefs.webhook.url_set ? (
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => update.mutate({ webhook_enabled: !prefs.webhook.enabled })} data-testid="webhook-toggle">
            {prefs.webhook.enabled ? "Pause" : "Resume"}
          </Button>
          <Button variant="ghost" onClick={() => update.mutate({ webhook_url: null, webhook_enabled: false })} data-testid="webhook-remove">
            Remove
          </Button>
        </div>
      ) : null}
      {update.isError ? <Alert tone="error" testId="webhook-error">{errorMessage(update.error)}</Alert> : null}
      {saved ? <Alert tone="success">Saved. Waiting tasks will be posted there.</Alert> : null}
    </section>
  );
}

function TelegramSettings({ prefs, onLinking }: { prefs: NotificationPrefs; onLinking: (on: boolean) => void }) {
  const code = useTelegramCodeMutation();
  const unlink = useUnlinkTelegramMutation();
  const update = useUpdateNotificationPrefsMutation();
  const [shown, setShown] = useState<LinkCode | null>(null);
  const t = prefs.telegram;
  const showCode = shown && !t.linked;
  return (
    <section className="space-y-3 px-5 py-4" data-testid="telegram-settings">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold text-slate-900">Telegram</h3>
        {t.linked ? (
          <Badge tone="green" testId="telegram-status">
            linked{t.username ? ` · @${t.username}` : ""}
          </Badge>
        ) : (
          <Badge testId="telegram-status">not linked</Badge>
        )}
      </div>
      {!t.bot_configured ? (
        <p className="text-sm text-slate-600">No Telegram bot is configured on this server (an admin sets TELEGRAM_BOT_TOKEN).</p>
      ) : t.linked ? (
        <>
          <p className="text-sm text-slate-600">The bot announces tasks waiting for you with Approve / Deny buttons (reply to a question to answer it), and takes /submit, /follow, /tasks and /cancel.</p>
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" onClick={() => update.mutate({ telegram_enabled: !t.enabled })} data-testid="telegram-toggle">
              {t.enabled ? "Pause announcements" : "Resume announcements"}
            </Button>
            <Button variant="ghost" onClick={() => unlink.mutate()} disabled={unlink.isPending} data-testid="telegram-unlink">
              Unlink
            </Button>
          </div>
        </>
      ) : (
        <>
          <p className="text-sm text-slate-600">Link a chat: create a one-time code, then send it to the bot{t.bot_username ? <> (<a className="text-brand-700 underline" href={`https://t.me/${t.bot_username}`} target="_blank" rel="noreferrer">@{t.bot_username}</a>)</> : null}. Until then the bot does nothing for that chat.</p>
          {showCode ? (
            <div className="space-y-1 rounded-md border border-sky-200 bg-sky-50 p-3" data-testid="telegram-code">
              <p className="text-sm text-sky-900">
                Send this to the bot: <code className="rounded bg-white px-1.5 py-0.5 font-mono text-sm" data-testid="telegram-command">{shown.command}</code>
              </p>
              <p className="text-xs text-sky-900">Works once, until {formatDateTime(shown.expires_at)}. This page updates when the chat is linked.</p>
            </div>
          ) : null}
          <Button
            onClick={async () => {
              const next = await code.mutateAsync().catch(() => null);
              setShown(next);
              onLinking(Boolean(next));
            }}
            disabled={code.isPending}
            data-testid="telegram-link"
          >
            {showCode ? "New code" : "Link Telegram"}
          </Button>
        </>
      )}
      {code.isError ? <Alert tone="error">{errorMessage(code.error)}</Alert> : null}
      {unlink.isError ? <Alert tone="error">{errorMessage(unlink.error)}</Alert> : null}
      {update.isError ? <Alert tone="error">{errorMessage(update.error)}</Alert> : null}
    </section>
  );
}
