import type { ReactNode } from "react";
import { PageHeader } from "@/components/ui/page-header";
import { TabsNav } from "@/components/ui/tabs-nav";
import { requirePageContext } from "@/lib/security/page-context";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageContext("admin:users", "/admin");
  const tabs = [
    { href: "/admin", label: "Users" },
    { href: "/admin/devices", label: "Devices" },
    ...(ctx.permissions.has("admin:system") ? [{ href: "/admin/nodes", label: "Nodes" }] : []),
    ...(ctx.permissions.has("admin:system") ? [{ href: "/admin/policies", label: "Policies" }] : []),
    ...(ctx.permissions.has("admin:system") ? [{ href: "/admin/audit", label: "Audit" }] : []),
  ];
  return (
    <div className="space-y-5" data-testid="admin-page">
      <PageHeader title="Administration" description="People, devices, remote nodes, policies and the audit trail." />
      <TabsNav tabs={tabs} label="Administration sections" />
      {children}
    </div>
  );
}
