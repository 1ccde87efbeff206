"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { errorMessage } from "@/lib/client/api";
import { useNotificationDefaultsQuery, useUpdateNotificationDefaultsMutation } from "@/lib/client/hooks/use-notifications";

/** The channels for people who have not chosen their own: a team webhook, Telegram on or off. */
export function NotificationDefaults() {
  const defaults = useNotificationDefaultsQuery();
  const update = useUpdateNotificationDefaultsMutation();
  const [url, setUrl] = useState("");
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ webhook_url: url.trim(), webhook_enabled: true }, { onSuccess: () => setUrl("") });
  }
  const d = defaults.data;
  return (
    <Card data-testid="notification-defaults">
      <CardHeader title="Notification defaults" description="Used for everyone who has not set their own channels on their Account page." />
      <QueryState query={defaults} testId="notification-defaults-state" rows={2}>
        {d ? (
          <div className="space-y-3 p-5">
            <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
              Team webhook: {d.webhook.enabled && d.webhook.url_set ? <Badge tone="green">on · {d.webhook.host}</Badge> : <Badge>off</Badge>}
              Telegram announcements: <Badge tone={d.telegram_enabled ? "green" : "slate"}>{d.telegram_enabled ? "on" : "off"}</Badge>
            </p>
            <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
              <Field label="Team webhook URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.slack.com/services/…" autoComplete="off" />
              <Button type="submit" disabled={update.isPending}>
                Save
              </Button>
            </form>
            <div className="flex flex-wrap gap-2">
              {d.webhook.url_set ? (
                <Button variant="secondary" onClick={() => update.mutate({ webhook_url: null, webhook_enabled: false })}>
                  Remove team webhook
                </Button>
              ) : null}
              <Button variant="secondary" onClick={() => update.mutate({ telegram_enabled: !d.telegram_enabled })}>
                {d.telegram_enabled ? "Telegram off by default" : "Telegram on by default"}
              </Button>
            </div>
            {update.isError ? <Alert tone="error">{errorMessage(update.error)}</Alert> : null}
          </div>
        ) : null}
      </QueryState>
    </Card>
  );
}
