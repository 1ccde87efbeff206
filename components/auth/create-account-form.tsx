"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { api, ApiError } from "@/lib/client/api";

type FieldErrors = Partial<Record<"email" | "name" | "password", string>>;

/**
 * Name, email and password → POST to a one-time-link endpoint (first-run setup or an invite),
 * then sign in with the new account.
 */
export function CreateAccountForm({ endpoint, token, submitLabel, testId }: { endpoint: string; token: string; submitLabel: string; testId: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { token, name: String(form.get("name")), email: String(form.get("email")), password: String(form.get("password")) };
    if (input.password !== form.get("confirm")) {
      setFieldErrors({ password: "The two passwords differ" });
      return;
    }
    setPending(true);
    setError(null);
    setFieldErrors({});
    try {
      await api(endpoint, { method: "POST", body: input });
    } catch (e) {
      setPending(false);
      if (e instanceof ApiError && e.code === "validation_failed") {
        const issues = (e.details as { issues?: { path: string; message: string }[] })?.issues ?? [];
        setFieldErrors(Object.fromEntries(issues.map((i) => [i.path, i.message])));
      } else {
        setError(e instanceof Error ? e.message : "Could not create the account");
      }
      return;
    }
    const result = await signIn("credentials", { email: input.email, password: input.password, redirect: false });
    router.replace(result && !result.error ? "/" : "/signin?setup=done");
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid={`${testId}-form`}>
      {error ? (
        <Alert tone="error" testId={`${testId}-error`}>
          {error}
        </Alert>
      ) : null}
      <Field label="Your name" name="name" autoComplete="name" required autoFocus error={fieldErrors.name} />
      <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldErrors.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" minLength={10} required hint="At least 10 characters" error={fieldErrors.password} />
      <Field label="Repeat password" name="confirm" type="password" autoComplete="new-password" required />
      <Button type="submit" className="w-full" disabled={pending} data-testid={`${testId}-submit`}>
        {pending ? "Creating account…" : submitLabel}
      </Button>
    </form>
  );
}
