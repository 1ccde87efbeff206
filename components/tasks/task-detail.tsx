"use client";

import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/query-state";
import { Skeleton } from "@/components/ui/skeleton";
import { errorMessage } from "@/lib/client/api";
import { displayValue, formatDateTime, formatDuration } from "@/lib/client/format";
import { useTaskStream } from "@/lib/client/hooks/use-task-stream";
import { isTerminal, useCancelTaskMutation, useRetryTaskMutation, useTaskQuery, type Task } from "@/lib/client/hooks/use-tasks";
import { ChangesPanel } from "./changes/changes-panel";
import { EventLog } from "./event-log";
import { StateBadge } from "./state-badge";
import { TaskAudit } from "./task-audit";
import { FollowUp, TaskOrigin } from "./task-follow-up";
import { TaskTimeline } from "./task-timeline";
import { WaitPanel } from "./wait-panel";

export interface TaskViewer {
  userId: string;
  canCancel: boolean;
  canSubmit: boolean;
  isAuditor: boolean;
  canReadProjects: boolean;
}

export function TaskDetail({ taskId, viewer }: { taskId: string; viewer: TaskViewer }) {
  const task = useTaskQuery(taskId);
  const stream = useTaskStream(taskId);
  const streamState = stream.events.findLast((e) => e.type === "state")?.state ?? null;
  const { data, isFetching, refetch } = task;
  // The stream can be a moment ahead of a refetch made as its event arrived; read again until both agree.
  useEffect(() => {
    if (!data || !streamState || streamState === data.state || isFetching) return;
    const timer = setTimeout(() => void refetch(), 400);
    return () => clearTimeout(timer);
  }, [data, streamState, isFetching, refetch]);
  if (task.isPending)
    return (
      <div className="space-y-4" data-testid="task-detail-loading">
        <Skeleton className="h-8 w-2/3" />
        <Skeleton className="h-64 w-full" />
      </div>
    );
  if (task.isError) return <ErrorState error={task.error} onRetry={() => task.refetch()} testId="task-detail-error" />;
  const t = task.data;
  const live = !isTerminal(t.state) && stream.status !== "ended";
  return (
    <div className="space-y-5" data-testid="task-detail" data-task-id={t.task_id} data-live-transport={stream.transport ?? undefined}>
      <Header task={t} viewer={viewer} streamStatus={stream.status} />
      {t.state === "WAITING" && t.pending_question ? <WaitPanel taskId={t.task_id} question={t.pending_question} canAnswer={viewer.canSubmit} /> : null}
      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="min-w-0 space-y-5">
          <Card>
            <CardHeader title="Prompt" />
            <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words px-5 py-4 text-sm text-slate-800" data-testid="task-prompt">
              {t.prompt}
            </pre>
          </Card>
          <Card>
            <CardHeader title="Output" description={live ? "Streaming live as the agent works." : undefined} />
            <div className="p-3">
              <EventLog events={stream.events} live={live} taskId={t.task_id} />
            </div>
          </Card>
          <ChangesPanel taskId={t.task_id} live={live} terminal={isTerminal(t.state)} canPropose={viewer.canSubmit} />
          <Outcome task={t} />
          {isTerminal(t.state) && viewer.canSubmit ? <FollowUp task={t} /> : null}
          <Card>
            <CardHeader title="Audit events" />
            <div className="px-5 py-2">
              <TaskAudit taskId={t.task_id} userId={viewer.userId} isAuditor={viewer.isAuditor} live={live} />
            </div>
          </Card>
        </div>
        <aside className="space-y-5">
          <Card>
            <CardHeader title="Lifecycle" />
            <div className="px-5 py-4">
              <TaskTimeline events={stream.events} createdAt={t.created_at} />
            </div>
          </Card>
          <Details task={t} />
        </aside>
      </div>
    </div>
  );
}

function Header({ task: t, viewer, streamStatus }: { task: Task; viewer: TaskViewer; streamStatus: string }) {
  const router = useRouter();
  const cancel = useCancelTaskMutation(t.task_id);
  const retry = useRetryTaskMutation(t.task_id);
  const terminal = isTerminal(t.state);
  return (
    <div className="space-y-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <p className="text-sm text-slate-500">
            <Link href="/tasks" className="hover:underline">
              Tasks
            </Link>{" "}
            / <span className="font-mono">{t.task_id.slice(0, 8)}</span>
          </p>
          <h1 className="mt-1 line-clamp-2 break-words text-xl font-semibold text-slate-900">{t.prompt.split("\n")[0] || "(empty prompt)"}</h1>
          <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <StateBadge state={t.state} />
            <code className="text-xs">{t.agent_type}</code>
            <span aria-hidden>·</span>
            <Elapsed task={t} />
            {!terminal ? (
              <span className="text-xs text-slate-500" data-testid="stream-status">
                {streamStatus === "live" ? "● live" : streamStatus === "reconnecting" ? "reconnecting…" : streamStatus === "connecting" ? "connecting…" : ""}
              </span>
            ) : null}
            {t.cancel_requested && !terminal ? <span className="text-xs text-amber-700">cancelling…</span> : null}
          </div>
          <div className="mt-1">
            <TaskOrigin task={t} canReadProjects={viewer.canReadProjects} />
          </div>
        </div>
        <div className="flex shrink-0 gap-2">
          {!terminal && viewer.canCancel ? (
            <Button
              variant="danger"
              disabled={cancel.isPending || t.cancel_requested}
              onClick={() => {
                if (window.confirm("Cancel this task? The agent is stopped.")) cancel.mutate();
              }}
              data-testid="task-cancel"
            >
              {cancel.isPending ? "Cancelling…" : "Cancel"}
            </Button>
          ) : null}
          {terminal && viewer.canSubmit ? (
            <Button
              variant="secondary"
              disabled={retry.isPending}
              onClick={async () => {
                const next = await retry.mutateAsync().catch(() => null);
                if (next) router.push(`/tasks/${next.task_id}`);
              }}
              data-testid="task-retry"
            >
              {retry.isPending ? "Retrying…" : "Retry"}
            </Button>
          ) : null}
        </div>
      </div>
      {cancel.isError ? <Alert tone="error">{errorMessage(cancel.error)}</Alert> : null}
      {retry.isError ? <Alert tone="error">{errorMessage(retry.error)}</Alert> : null}
    </div>
  );
}

/** Run time: ticking while the task runs, the recorded execution time once it ended. */
function Elapsed({ task: t }: { task: Task }) {
  const running = !isTerminal(t.state) && t.started_at !== null;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const seconds = running ? Math.max(0, (now - new Date(t.started_at!).getTime()) / 1000) : t.execution_time;
  return <span data-testid="task-elapsed">{t.started_at ? formatDuration(seconds) : "queued"}</span>;
}

function Outcome({ task: t }: { task: Task }) {
  if (t.state === "COMPLETED") {
    const result = t.result as { output?: unknown } | null;
    return (
      <Card className="border-emerald-200">
        <CardHeader title="Result" />
        <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-words px-5 py-4 text-sm text-slate-800" data-testid="task-result">
          {displayValue(result && typeof result === "object" && "output" in result ? result.output : result)}
        </pre>
      </Card>
    );
  }
  if (t.state === "FAILED" || t.state === "CANCELLED") {
    return (
      <Alert tone={t.state === "FAILED" ? "error" : "warning"} testId="task-error">
        <p className="font-medium">{t.state === "FAILED" ? "The task failed" : "The task was cancelled"}{t.error_code ? ` (${t.error_code})` : ""}</p>
        {t.error ? <p className="mt-1 whitespace-pre-wrap">{t.error}</p> : null}
      </Alert>
    );
  }
  return null;
}

function Details({ task: t }: { task: Task }) {
  const rows: [string, ReactNode][] = [
    ["Task id", <code key="id" className="break-all text-xs">{t.task_id}</code>],
    ["Submitted", formatDateTime(t.created_at)],
    ["Started", formatDateTime(t.started_at)],
    ["Finished", formatDateTime(t.finished_at)],
    ["Attempt", t.attempt],
    ["Node", t.node ?? "—"],
    ["Skills", t.skills.length ? t.skills.join(", ") : "—"],
    ["Events", t.events_count],
  ];
  if (t.retry_of)
    rows.push([
      "Retry of",
      <Link key="retry" href={`/tasks/${t.retry_of}`} className="font-mono text-xs text-brand-700 hover:underline">
        {t.retry_of.slice(0, 8)}
      </Link>,
    ]);
  return (
    <Card>
      <CardHeader title="Details" />
      <dl className="space-y-2 px-5 py-4 text-sm">
        {rows.map(([label, value]) => (
          <div key={label} className="flex justify-between gap-3">
            <dt className="text-slate-500">{label}</dt>
            <dd className="min-w-0 text-right text-slate-800">{value}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(t.context).length ? (
        <div className="border-t border-slate-100 px-5 py-3">
          <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">Context</p>
          <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap font-mono text-xs text-slate-700">{displayValue(t.context)}</pre>
        </div>
      ) : null}
    </Card>
  );
}
