import type { Metadata } from "next";
import { BrowserSessionsPanel } from "@/components/account/browser-sessions-panel";
import { PasswordPanel } from "@/components/account/password-panel";
import { SessionsPanel, DevicesPanel } from "@/components/account/sessions-panel";
import { NotificationsPanel } from "@/components/account/notifications-panel";
import { TokensPanel } from "@/components/account/tokens-panel";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const ctx = await requirePageContext(undefined, "/account");
  return (
    <div className="space-y-6" data-testid="account-page">
      <PageHeader
        title="Account"
        description={
          <>
            {ctx.user.email} · {ctx.user.role} · {ctx.permissions.size} permissions
          </>
        }
      />
      <PasswordPanel />
      <BrowserSessionsPanel />
      <NotificationsPanel />
      <TokensPanel />
      <SessionsPanel />
      <DevicesPanel />
    </div>
  );
}
