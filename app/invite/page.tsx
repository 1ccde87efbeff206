import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { InviteAcceptance } from "@/components/auth/invite-acceptance";

export const metadata: Metadata = { title: "Accept invite", referrer: "no-referrer" };

export default function InvitePage() {
  return (
    <AuthCard title="Join coderClawLink" subtitle="You were invited to your team's AI node">
      <InviteAcceptance />
    </AuthCard>
  );
}
