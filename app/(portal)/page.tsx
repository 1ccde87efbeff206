import type { Metadata } from "next";
import { Dashboard } from "@/components/dashboard/dashboard";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { canActForOthers } from "@/lib/security/authorize";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const ctx = await requirePageContext();
  const canView = ctx.permissions.has("task:view");
  return (
    <div className="space-y-6" data-testid="dashboard">
      <PageHeader title="Dashboard" description={`Welcome, ${ctx.user.name ?? ctx.user.email}.`} />
      {canView ? (
        <Dashboard
          viewer={{ userId: ctx.user.id, seesAll: canActForOthers(ctx), isAuditor: ctx.permissions.has("admin:system"), canSubmit: ctx.permissions.has("task:submit") }}
        />
      ) : (
        <EmptyState title="Nothing to show for your role" testId="dashboard-empty">
          Your role can browse the agents and skills catalogues. Ask an administrator for more access.
        </EmptyState>
      )}
    </div>
  );
}
