import type { Metadata } from "next";
import { AgentsCatalogue } from "@/components/catalogue/agents-catalogue";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage() {
  const ctx = await requirePageContext("agent:list", "/agents");
  return (
    <div className="space-y-5" data-testid="agents-page">
      <PageHeader title="Agents" description="The coding agents this node can drive, and whether each can run right now." />
      <AgentsCatalogue canConfigure={ctx.permissions.has("agent:configure")} />
    </div>
  );
}
