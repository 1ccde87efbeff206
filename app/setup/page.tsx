import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { CreateAccountForm } from "@/components/auth/create-account-form";
import { Alert } from "@/components/ui/alert";
import { getDatabase } from "@/lib/db";
import { setupTokenIsValid } from "@/lib/security/setup";

export const metadata: Metadata = { title: "Set up", referrer: "no-referrer" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const { db } = await getDatabase();
  const valid = token ? await setupTokenIsValid(db, token) : false;
  return (
    <AuthCard title="Welcome to coderClawLink" subtitle="Create the first administrator account">
      {valid && token ? (
        <CreateAccountForm endpoint="/api/setup" token={token} submitLabel="Create admin account" testId="setup" />
      ) : (
        <div className="space-y-4" data-testid="setup-invalid">
          <Alert tone="warning">
            This setup link is invalid, expired or already used. The console prints a fresh link each time the server starts while no account exists.
          </Alert>
          <Link href="/signin" className="block text-center text-sm font-medium text-brand-600 hover:underline">
            Go to sign in
          </Link>
        </div>
      )}
    </AuthCard>
  );
}
