import type { Metadata } from "next";
import { ProjectBoardPage } from "@/components/projects/project-board-page";
import { requirePageContext, requirePageId } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Board" };

export default async function ProjectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await requirePageContext("project:read", `/projects/${id}`);
  requirePageId(id);
  return <ProjectBoardPage projectId={id} canWrite={ctx.permissions.has("project:write")} canExecute={ctx.permissions.has("task:submit") && ctx.permissions.has("agent:execute")} canSetLocalPath={ctx.permissions.has("admin:system")} />;
}
