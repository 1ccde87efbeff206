"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { api, ApiError } from "@/lib/client/api";

// The reset token travels in the URL fragment (#token=…), which browsers never send to the
// server, so it stays out of access logs and Referer headers; only this page reads it.
const subscribe = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};
const tokenFromHash = () => new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";

/** Set a new password with an admin's one-time link, then sign in with it. */
export function PasswordResetForm() {
  const token = useSyncExternalStore(subscribe, tokenFromHash, () => null);
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);

  if (token === null) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!token) {
    return (
      <div className="space-y-4" data-testid="reset-invalid">
        <Alert tone="warning">This page needs the full reset link your administrator sent you, including the part after “#”.</Alert>
        <Link href="/signin" className="block text-center text-sm font-medium text-brand-600 hover:underline">
          Go to sign in
        </Link>
      </div>
    );
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password"));
    if (password !== form.get("confirm")) {
      setFieldError("The two passwords differ");
      return;
    }
    setPending(true);
    setError(null);
    setFieldError(undefined);
    let email: string;
    try {
      ({ email } = await api<{ email: string }>("/api/password-reset", { method: "POST", body: { token, password } }));
    } catch (e) {
      setPending(false);
      if (e instanceof ApiError && e.code === "validation_failed") setFieldError((e.details as { issues?: { message: string }[] })?.issues?.[0]?.message ?? e.message);
      else setError(e instanceof Error ? e.message : "Could not set the password");
      return;
    }
    const result = await signIn("credentials", { email, password, redirect: false });
    router.replace(result && !result.error ? "/" : "/signin");
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="reset-form">
      {error ? (
        <Alert tone="error" testId="reset-error">
          {error}
        </Alert>
      ) : null}
      <Field label="New password" name="password" type="password" autoComplete="new-password" minLength={10} required autoFocus hint="At least 10 characters" error={fieldError} />
      <Field label="Repeat the new password" name="confirm" type="password" autoComplete="new-password" required />
      <Button type="submit" className="w-full" disabled={pending} data-testid="reset-submit">
        {pending ? "Saving…" : "Set password and sign in"}
      </Button>
    </form>
  );
}
