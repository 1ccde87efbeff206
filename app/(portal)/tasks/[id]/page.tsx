import type { Metadata } from "next";
import { TaskDetail } from "@/components/tasks/task-detail";
import { requirePageContext, requirePageId } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Task" };

export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await requirePageContext("task:view", `/tasks/${id}`);
  requirePageId(id);
  return (
    <TaskDetail
      key={id}
      taskId={id}
      viewer={{ userId: ctx.user.id, canCancel: ctx.permissions.has("task:cancel"), canSubmit: ctx.permissions.has("task:submit"), isAuditor: ctx.permissions.has("admin:system"), canReadProjects: ctx.permissions.has("project:read") }}
    />
  );
}
