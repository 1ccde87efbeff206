import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { TasksList } from "@/components/tasks/tasks-list";
import { PageHeader } from "@/components/ui/page-header";
import { SkeletonRows } from "@/components/ui/skeleton";
import { canActForOthers } from "@/lib/security/authorize";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Tasks" };

export default async function TasksPage() {
  const ctx = await requirePageContext("task:view", "/tasks");
  const canSubmit = ctx.permissions.has("task:submit");
  return (
    <div className="space-y-5" data-testid="tasks-page">
      <PageHeader
        title="Tasks"
        description="Work handed to coding agents, newest first."
        actions={
          canSubmit ? (
            <Link href="/tasks/new" className="inline-flex items-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700" data-testid="new-task">
              Submit a task
            </Link>
          ) : null
        }
      />
      <Suspense fallback={<SkeletonRows rows={6} />}>
        <TasksList canSeeAll={canActForOthers(ctx)} canSubmit={canSubmit} canReadProjects={ctx.permissions.has("project:read")} />
      </Suspense>
    </div>
  );
}
