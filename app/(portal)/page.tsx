import type { Metadata } from "next";
import { EmptyState } from "@/components/ui/empty-state";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const ctx = await requirePageContext();
  return (
    <div className="space-y-6" data-testid="dashboard">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Dashboard</h1>
        <p className="text-sm text-slate-500">Welcome, {ctx.user.name ?? ctx.user.email}.</p>
      </div>
      <EmptyState title="No tasks yet" testId="dashboard-empty">
        Tasks you and your team submit to coding agents will show up here, live.
      </EmptyState>
    </div>
  );
}
