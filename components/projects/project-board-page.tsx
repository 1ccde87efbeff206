"use client";

import Link from "next/link";
import { useState } from "react";
import { Board } from "@/components/board/board";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState } from "@/components/ui/query-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useProjectQuery } from "@/lib/client/hooks/use-projects";
import { ProjectForm } from "./project-form";

export function ProjectBoardPage({ projectId, canWrite, canExecute, canSetLocalPath }: { projectId: string; canWrite: boolean; canExecute: boolean; canSetLocalPath: boolean }) {
  const project = useProjectQuery(projectId);
  const [editing, setEditing] = useState(false);
  if (project.isPending) return <Skeleton className="h-10 w-1/2" />;
  if (project.isError) return <ErrorState error={project.error} onRetry={() => project.refetch()} testId="project-error" />;
  const p = project.data;
  return (
    <div className="space-y-5" data-testid="board-page">
      <PageHeader
        title={
          <span>
            {p.name} <span className="font-mono text-base font-normal text-slate-500">{p.key}</span>
          </span>
        }
        description={
          <span className="flex flex-wrap gap-x-3">
            <Link href="/projects" className="hover:underline">
              ← Projects
            </Link>
            {p.github_url ? (
              <a href={p.github_url.startsWith("http") ? p.github_url : `https://github.com/${p.github_owner}/${p.github_repo}`} className="hover:underline" rel="noreferrer" target="_blank">
                {p.github_owner}/{p.github_repo}
              </a>
            ) : null}
            {p.local_path ? <code className="text-xs">{p.local_path}</code> : null}
          </span>
        }
        actions={
          canWrite ? (
            <Button variant="secondary" onClick={() => setEditing(true)} data-testid="project-edit">
              Edit project
            </Button>
          ) : null
        }
      />
      {p.description ? <p className="max-w-3xl whitespace-pre-wrap text-sm text-slate-600">{p.description}</p> : null}
      <Board projectId={projectId} canWrite={canWrite} canExecute={canExecute} />
      <Dialog open={editing} onClose={() => setEditing(false)} title={`Edit ${p.key}`}>
        {editing ? <ProjectForm project={p} canSetLocalPath={canSetLocalPath} onDone={() => setEditing(false)} /> : null}
      </Dialog>
    </div>
  );
}
