import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ProjectBoardPage } from "@/components/projects/project-board-page";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Board" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function ProjectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await requirePageContext("project:read", `/projects/${id}`);
  if (!UUID.test(id)) notFound();
  return <ProjectBoardPage projectId={id} canWrite={ctx.permissions.has("project:write")} canExecute={ctx.permissions.has("task:submit") && ctx.permissions.has("agent:execute")} canSetLocalPath={ctx.permissions.has("admin:system")} />;
}
