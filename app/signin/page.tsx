import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { pageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Sign in" };

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  // A signed-out (ended) session cookie is not signed in: the form shows, with no redirect loop.
  if (await pageContext()) redirect(callbackUrl);
  return (
    <AuthCard title="Sign in to coderClawLink" subtitle="Your team's control plane for AI coding agents">
      <SignInForm callbackUrl={callbackUrl} notice={params.setup === "done" ? "Admin account created. Sign in to continue." : undefined} />
    </AuthCard>
  );
}
