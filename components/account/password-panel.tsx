"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { ApiError, errorMessage } from "@/lib/client/api";
import { useChangePasswordMutation } from "@/lib/client/hooks/use-account";

/** Change my password (the current one is required); my other sessions end, this one stays. */
export function PasswordPanel() {
  const change = useChangePasswordMutation();
  const [mismatch, setMismatch] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const next = String(data.get("new_password"));
    setMismatch(next !== data.get("confirm"));
    if (next !== data.get("confirm")) return;
    const done = await change.mutateAsync({ current_password: String(data.get("current_password")), new_password: next }).catch(() => null);
    if (done) form.reset();
  }

  const issue = change.error instanceof ApiError && change.error.code === "validation_failed" ? (change.error.details as { issues?: { path: string; message: string }[] })?.issues?.find((i) => i.path === "new_password")?.message : undefined;
  const ended = change.data ? change.data.browser_sessions_ended + change.data.runtime_sessions_ended : 0;
  return (
    <Card data-testid="password-panel">
      <CardHeader title="Password" description="Changing it signs out your other browsers and ends your runtime sessions; this browser stays signed in. API tokens keep working." />
      <form onSubmit={onSubmit} className="grid gap-3 p-5 sm:grid-cols-3 sm:items-start" data-testid="password-form">
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" required />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password" minLength={10} required hint="At least 10 characters" error={issue} />
        <Field label="Repeat the new password" name="confirm" type="password" autoComplete="new-password" required error={mismatch ? "The two passwords differ" : undefined} />
        <div className="space-y-3 sm:col-span-3">
          {change.isError && !issue ? (
            <Alert tone="error" testId="password-error">
              {errorMessage(change.error)}
            </Alert>
          ) : null}
          {change.isSuccess ? (
            <Alert tone="success" testId="password-changed">
              Password changed. {ended === 0 ? "No other sessions were open." : `${ended} other session${ended === 1 ? "" : "s"} ended.`}
            </Alert>
          ) : null}
          <div className="flex justify-end">
            <Button type="submit" disabled={change.isPending} data-testid="password-submit">
              {change.isPending ? "Changing…" : "Change password"}
            </Button>
          </div>
        </div>
      </form>
    </Card>
  );
}
