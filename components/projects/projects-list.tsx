"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { QueryState } from "@/components/ui/query-state";
import { errorMessage } from "@/lib/client/api";
import { formatRelative } from "@/lib/client/format";
import { BOARD_COLUMNS, useDeleteProjectMutation, useProjectsQuery, type Project } from "@/lib/client/hooks/use-projects";
import { ProjectForm } from "./project-form";

export function ProjectsList({ canWrite, canDelete, canSetLocalPath }: { canWrite: boolean; canDelete: boolean; canSetLocalPath: boolean }) {
  const router = useRouter();
  const projects = useProjectsQuery();
  const remove = useDeleteProjectMutation();
  const [editing, setEditing] = useState<Project | "new" | null>(null);
  const rows = projects.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="space-y-4" data-testid="projects-list">
      {canWrite ? (
        <div className="flex justify-end">
          <Button onClick={() => setEditing("new")} data-testid="project-create-open">
            New project
          </Button>
        </div>
      ) : null}
      {remove.isError ? <Alert tone="error">{errorMessage(remove.error)}</Alert> : null}
      <QueryState
        query={projects}
        isEmpty={rows.length === 0}
        testId="projects"
        empty={{ title: "No projects yet", body: "A project is a board of tasks, optionally tied to a repository.", action: canWrite ? <Button onClick={() => setEditing("new")}>Create the first project</Button> : undefined }}
      >
        <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {rows.map((p) => (
            <li key={p.id} className="flex flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="project-card" data-project-key={p.key}>
              <div className="flex items-start justify-between gap-2">
                <div className="min-w-0">
                  <Link href={`/projects/${p.id}`} className="font-semibold text-slate-900 hover:text-brand-700 hover:underline" data-testid="project-link">
                    {p.name}
                  </Link>
                  <p className="font-mono text-xs text-slate-500">{p.key}</p>
                </div>
                <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600">{p.task_counts.total} tasks</span>
              </div>
              {p.description ? <p className="mt-2 line-clamp-2 text-sm text-slate-600">{p.description}</p> : null}
              <div className="mt-3 flex flex-wrap gap-1.5 text-xs text-slate-500">
                {BOARD_COLUMNS.map((c) => (
                  <span key={c.status} className="rounded bg-slate-50 px-1.5 py-0.5 ring-1 ring-slate-200">
                    {c.label} {p.task_counts[c.status]}
                  </span>
                ))}
              </div>
              <div className="mt-auto flex items-center justify-between gap-2 pt-4">
                <span className="text-xs text-slate-500">updated {formatRelative(p.updated_at)}</span>
                <div className="flex gap-1">
                  {canWrite ? (
                    <Button variant="ghost" className="px-2 py-1" onClick={() => setEditing(p)} data-testid="project-edit">
                      Edit
                    </Button>
                  ) : null}
                  {canDelete ? (
                    <Button
                      variant="ghost"
                      className="px-2 py-1 text-red-700"
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(`Delete ${p.key} and its ${p.task_counts.total} tasks? This cannot be undone.`)) remove.mutate(p.id);
                      }}
                      data-testid="project-delete"
                    >
                      Delete
                    </Button>
                  ) : null}
                </div>
              </div>
            </li>
          ))}
        </ul>
        {projects.hasNextPage ? (
          <div className="flex justify-center">
            <Button variant="secondary" onClick={() => projects.fetchNextPage()} disabled={projects.isFetchingNextPage}>
              Load more
            </Button>
          </div>
        ) : null}
      </QueryState>
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? "New project" : `Edit ${editing?.key ?? ""}`} testId="project-dialog">
        {editing ? (
          <ProjectForm
            project={editing === "new" ? undefined : editing}
            canSetLocalPath={canSetLocalPath}
            onDone={(saved) => {
              const created = editing === "new";
              setEditing(null);
              if (created) router.push(`/projects/${saved.id}`);
            }}
          />
        ) : null}
      </Dialog>
    </div>
  );
}
