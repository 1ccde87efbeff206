import type { Metadata } from "next";
import { ProjectsList } from "@/components/projects/projects-list";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Projects" };

export default async function ProjectsPage() {
  const ctx = await requirePageContext("project:read", "/projects");
  return (
    <div className="space-y-5" data-testid="projects-page">
      <PageHeader title="Projects" description="Boards of tasks your team plans and hands to agents." />
      <ProjectsList canWrite={ctx.permissions.has("project:write")} canDelete={ctx.permissions.has("project:delete")} canSetLocalPath={ctx.permissions.has("admin:system")} />
    </div>
  );
}
