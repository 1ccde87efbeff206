"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { CreateAccountForm } from "./create-account-form";

// The invite token travels in the URL fragment (#token=…), which browsers never send to the
// server, so it stays out of access logs; only this page reads it.
const subscribe = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};
const tokenFromHash = () => new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";

export function InviteAcceptance() {
  const token = useSyncExternalStore(subscribe, tokenFromHash, () => null);
  if (token === null) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!token) {
    return (
      <div className="space-y-4" data-testid="invite-invalid">
        <Alert tone="warning">This page needs the full invite link your administrator sent you, including the part after “#”.</Alert>
        <Link href="/signin" className="block text-center text-sm font-medium text-brand-600 hover:underline">
          Go to sign in
        </Link>
      </div>
    );
  }
  return <CreateAccountForm endpoint="/api/invites/accept" token={token} submitLabel="Create my account" testId="invite" />;
}
