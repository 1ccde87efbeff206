import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TaskDetail } from "@/components/tasks/task-detail";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Task" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await requirePageContext("task:view", `/tasks/${id}`);
  if (!UUID.test(id)) notFound();
  return (
    <TaskDetail
      key={id}
      taskId={id}
      viewer={{ userId: ctx.user.id, canCancel: ctx.permissions.has("task:cancel"), canSubmit: ctx.permissions.has("task:submit"), isAuditor: ctx.permissions.has("admin:system") }}
    />
  );
}
