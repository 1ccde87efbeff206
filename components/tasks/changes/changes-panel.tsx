"use client";

import dynamic from "next/dynamic";
import { useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, TextareaField } from "@/components/ui/field";
import { Skeleton } from "@/components/ui/skeleton";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime } from "@/lib/client/format";
import { matchChangedFile, OPEN_FILE_EVENT } from "@/lib/client/output/changed-file";
import { useCreatePullRequestMutation, useTaskChangesQuery, type ChangedFile, type TaskChanges } from "@/lib/client/hooks/use-changes";

// shiki and the diff renderer load only when someone opens this view.
const DiffView = dynamic(() => import("./diff-view"), { ssr: false, loading: () => <Skeleton className="h-40 w-full" /> });

const STATUS_TONE: Record<ChangedFile["status"], BadgeTone> = { added: "green", modified: "blue", deleted: "red", renamed: "amber", copied: "amber", type_changed: "slate" };

/** The task's changes (files, stats, diff, commits), its workspace's retention, and "Create pull request". */
export function ChangesPanel({ taskId, live, terminal, canPropose }: { taskId: string; live: boolean; terminal: boolean; canPropose: boolean }) {
  const [open, setOpen] = useState(false);
  const changes = useTaskChangesQuery(taskId, { enabled: open, live });
  const missing = useOpenRequestedFile(changes.data, setOpen);
  return (
    <Card data-testid="changes-panel">
      <CardHeader
        title="Changes"
        description={open && changes.data?.live ? "The working tree as it is now; refreshed while the task runs." : "Files the agent added, changed or removed."}
        action={
          <Button variant="secondary" onClick={() => setOpen(!open)} data-testid="changes-toggle" aria-expanded={open}>
            {open ? "Hide" : "Show changes"}
          </Button>
        }
      />
      {open ? (
        <div className="space-y-4 px-5 py-4">
          {changes.isPending ? <Skeleton className="h-24 w-full" /> : null}
          {changes.isError ? <Alert tone="error">{errorMessage(changes.error)}</Alert> : null}
          {missing ? (
            <Alert tone="info" testId="changes-file-missing">
              <code>{missing}</code> is not among the changes (it may be unchanged, or outside the workspace).
            </Alert>
          ) : null}
          {changes.data ? <ChangesBody changes={changes.data} terminal={terminal} canPropose={canPropose} /> : null}
        </div>
      ) : null}
    </Card>
  );
}

/**
 * "View in Changes" on a tool card: open this panel, then scroll to that file's diff once it is
 * rendered. Returns the requested path when the changes do not include it.
 */
function useOpenRequestedFile(changes: TaskChanges | undefined, setOpen: (open: boolean) => void): string | null {
  const [wanted, setWanted] = useState<string | null>(null);
  useEffect(() => {
    const onRequest = (e: Event) => {
      setWanted((e as CustomEvent<string>).detail);
      setOpen(true);
    };
    window.addEventListener(OPEN_FILE_EVENT, onRequest);
    return () => window.removeEventListener(OPEN_FILE_EVENT, onRequest);
  }, [setOpen]);
  const path = wanted && changes ? matchChangedFile(changes.files.map((f) => f.path), wanted) : null;
  useEffect(() => {
    if (!path) return;
    // The diff view loads lazily: look for the file's section for a few seconds.
    let tries = 0;
    const timer = setInterval(() => {
      const el = document.getElementById(`file-${path}`);
      if (!el && ++tries < 50) return;
      clearInterval(timer);
      setWanted(null);
      el?.scrollIntoView({ block: "start" });
      el?.focus({ preventScroll: true });
    }, 100);
    return () => clearInterval(timer);
  }, [path]);
  return wanted && changes && !path ? wanted : null;
}

function ChangesBody({ changes, terminal, canPropose }: { changes: TaskChanges; terminal: boolean; canPropose: boolean }) {
  const ws = changes.workspace;
  if (!ws) return <p className="text-sm text-slate-500" data-testid="changes-none">This task has no workspace with files.</p>;
  return (
    <>
      <Workspace changes={changes} />
      {changes.files.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="changes-empty">No changes yet.</p>
      ) : (
        <>
          <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm" data-testid="changes-files">
            {changes.files.map((f) => (
              <li key={f.path} className="flex items-center gap-3 px-3 py-1.5">
                <Badge tone={STATUS_TONE[f.status]}>{f.status}</Badge>
                <a href={`#file-${f.path}`} className="min-w-0 flex-1 truncate font-mono text-xs text-slate-800 hover:underline">
                  {f.old_path ? `${f.old_path} → ${f.path}` : f.path}
                </a>
                {f.binary ? <span className="text-xs text-slate-500">binary</span> : <span className="font-mono text-xs"><span className="text-emerald-700">+{f.additions}</span> <span className="text-rose-700">-{f.deletions}</span></span>}
              </li>
            ))}
          </ul>
          <p className="text-xs text-slate-600" data-testid="changes-stats">
            {changes.stats.files} file{changes.stats.files === 1 ? "" : "s"} changed, <span className="text-emerald-700">+{changes.stats.additions}</span>{" "}
            <span className="text-rose-700">-{changes.stats.deletions}</span>
          </p>
          {changes.commits.length > 0 ? (
            <ul className="space-y-1 text-xs text-slate-700" data-testid="changes-commits">
              {changes.commits.map((c) => (
                <li key={c.sha}>
                  <code>{c.sha.slice(0, 10)}</code> {c.message} <span className="text-slate-500">— {c.author_name}</span>
                </li>
              ))}
            </ul>
          ) : null}
          <DiffView diff={changes.diff} />
          {changes.diff_truncated ? <Alert tone="warning">The diff was cut at 2 MiB; the file list is complete.</Alert> : null}
        </>
      )}
      {ws.kind === "worktree" ? <PullRequest changes={changes} terminal={terminal} canPropose={canPropose} /> : null}
    </>
  );
}

function Workspace({ changes }: { changes: TaskChanges }) {
  const ws = changes.workspace!;
  const where = ws.kind === "worktree" ? <>Branch <code>{ws.branch}</code> from <code>{ws.base_branch}</code></> : ws.kind === "scratch" ? "A scratch workspace" : "The project's folder";
  const kept = ws.removed_at
    ? `Workspace removed ${formatDateTime(ws.removed_at)}${ws.removal_reason ? ` (${ws.removal_reason})` : ""}.`
    : ws.retained_until
      ? `Workspace kept until ${formatDateTime(ws.retained_until)}.`
      : "Workspace kept while its pull request is open.";
  return (
    <p className="text-sm text-slate-700" data-testid="changes-workspace">
      {where}. <span className="text-slate-500" data-testid="changes-retention">{kept}</span>
    </p>
  );
}

function PullRequest({ changes, terminal, canPropose }: { changes: TaskChanges; terminal: boolean; canPropose: boolean }) {
  const create = useCreatePullRequestMutation(changes.task_id);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const pr = changes.pull_request ?? create.data;
  if (pr)
    return (
      <Alert tone="success" testId="pull-request">
        Pull request{" "}
        <a href={pr.url} target="_blank" rel="noreferrer" className="font-medium underline" data-testid="pull-request-link">
          #{pr.number}
        </a>{" "}
        ({pr.state}): <code>{pr.head}</code> → <code>{pr.base}</code>
      </Alert>
    );
  if (!canPropose || changes.workspace?.removed_at) return null;
  if (!terminal) return <p className="text-xs text-slate-500">A pull request can be opened once the task has ended.</p>;
  return (
    <form
      className="space-y-3 rounded-md border border-slate-200 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ ...(title.trim() ? { title: title.trim() } : {}), ...(body.trim() ? { body } : {}) });
      }}
      data-testid="pull-request-form"
    >
      <Field label="Pull request title" placeholder="Defaults to the prompt's first line" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={256} />
      <TextareaField label="Description (optional)" value={body} onChange={(e) => setBody(e.target.value)} rows={3} />
      {create.isError ? <Alert tone="error" testId="pull-request-error">{errorMessage(create.error)}</Alert> : null}
      <Button type="submit" disabled={create.isPending} data-testid="pull-request-create">
        {create.isPending ? "Committing, pushing, opening…" : "Create pull request"}
      </Button>
    </form>
  );
}
