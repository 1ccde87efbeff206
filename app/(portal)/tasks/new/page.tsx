import type { Metadata } from "next";
import { Suspense } from "react";
import { SubmitTaskForm } from "@/components/tasks/submit-form";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Submit a task" };

export default async function NewTaskPage() {
  const ctx = await requirePageContext("task:submit", "/tasks/new");
  return (
    <div className="mx-auto max-w-3xl space-y-5" data-testid="submit-page">
      <PageHeader title="Submit a task" description="The task is queued at once; you follow its output live on the next page." />
      <Suspense>
        <SubmitTaskForm canReadProjects={ctx.permissions.has("project:read")} />
      </Suspense>
    </div>
  );
}
