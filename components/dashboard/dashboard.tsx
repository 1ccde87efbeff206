"use client";

import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { Card, CardHeader } from "@/components/ui/card";
import { QueryState } from "@/components/ui/query-state";
import { Skeleton } from "@/components/ui/skeleton";
import { StateBadge } from "@/components/tasks/state-badge";
import { fillHours } from "@/lib/client/dashboard-stats";
import { formatRelative, shortId } from "@/lib/client/format";
import { useResourceActivityFeed } from "@/lib/client/hooks/use-activity";
import { useTaskSummaryQuery } from "@/lib/client/hooks/use-dashboard";
import { useLiveTaskList } from "@/lib/client/hooks/use-live-tasks";
import { TASK_STATES, useTaskPageQuery, type Task } from "@/lib/client/hooks/use-tasks";
import { AgentSuccessChart, ChartPlaceholder, preloadCharts, TasksPerHourChart } from "./lazy-charts";

export interface DashboardViewer {
  userId: string;
  seesAll: boolean;
  isAuditor: boolean;
  canSubmit: boolean;
}

export function Dashboard({ viewer }: { viewer: DashboardViewer }) {
  const recent = useTaskSummaryQuery(viewer.seesAll);
  // The chart library is fetched while the summary loads, not after it.
  useEffect(preloadCharts, []);
  // Over the WebSocket, state changes of the listed tasks refresh the panels at once; the poll only finds new tasks.
  const [live, setLive] = useState(false);
  const active = useTaskPageQuery({ state: "PENDING,PLANNING,RUNNING,WAITING", all: viewer.seesAll, limit: 20 }, live ? 10_000 : 3_000);
  useLiveTaskList(active.data?.tasks, setLive);
  const summary = recent.data;
  const stats = useMemo(() => (summary ? { counts: summary.counts, perHour: fillHours(summary.per_hour, new Date()), agents: summary.agents } : null), [summary]);
  const waiting = active.data?.tasks.filter((t) => t.state === "WAITING") ?? [];
  const running = active.data?.tasks.filter((t) => t.state !== "WAITING") ?? [];

  return (
    <div className="space-y-5">
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="sr-only">
          Tasks by state, last 24 hours
        </h2>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7" data-testid="state-counts">
          {TASK_STATES.map((s) => (
            <Link key={s} href={`/tasks?state=${s}${viewer.seesAll ? "&scope=all" : ""}`} className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm hover:border-brand-500" data-testid={`count-${s}`}>
              <StateBadge state={s} testId={`count-badge-${s}`} />
              <div className="mt-2 text-2xl font-semibold text-slate-900">{stats ? stats.counts[s] : <Skeleton className="h-7 w-10" />}</div>
            </Link>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-500">
          {viewer.seesAll ? "Everyone's" : "Your"} tasks submitted in the last 24 hours.
        </p>
      </section>

      <div className="grid gap-5 lg:grid-cols-2">
        <Card>
          <CardHeader title="Waiting for a person" description="Tasks paused on a question or an approval." />
          <div className="p-4">
            <QueryState query={active} isEmpty={waiting.length === 0} empty={{ title: "Nothing is waiting" }} testId="waiting" rows={2}>
              <LiveList tasks={waiting} testId="waiting-list" />
            </QueryState>
          </div>
        </Card>
        <Card>
          <CardHeader title="Running now" description={live ? "Live." : "Updated every few seconds."} />
          <div className="p-4">
            <QueryState
              query={active}
              isEmpty={running.length === 0}
              empty={{ title: "No task is running", action: viewer.canSubmit ? <Link href="/tasks/new" className="text-sm font-medium text-brand-700 hover:underline">Submit a task →</Link> : undefined }}
              testId="running"
              rows={2}
            >
              <LiveList tasks={running} testId="running-list" />
            </QueryState>
          </div>
        </Card>
      </div>

      <div className="grid gap-5 lg:grid-cols-2">
        <Card>
          <CardHeader title="Finished tasks per hour" description="Last 24 hours, by final state." />
          <div className="p-4">
            <QueryState query={recent} testId="chart-hours" loading={<ChartPlaceholder className="h-64" />}>
              {stats ? <TasksPerHourChart data={stats.perHour} /> : null}
            </QueryState>
          </div>
        </Card>
        <Card>
          <CardHeader title="Agents" description="Success rate and median run time, last 24 hours." />
          <div className="p-4">
            <QueryState query={recent} isEmpty={stats?.agents.length === 0} empty={{ title: "No finished tasks yet" }} testId="chart-agents" rows={4}>
              {stats ? <AgentSuccessChart data={stats.agents} /> : null}
            </QueryState>
          </div>
        </Card>
      </div>

      <Card>
        <CardHeader title="Recent activity" description={viewer.isAuditor ? "The latest events in the audit trail." : "What you did recently."} />
        <div className="px-5 py-2">
          <ActivityFeed viewer={viewer} />
        </div>
      </Card>
    </div>
  );
}

function LiveList({ tasks, testId }: { tasks: Task[]; testId: string }) {
  return (
    <ul className="divide-y divide-slate-100" data-testid={testId}>
      {tasks.map((t) => (
        <li key={t.task_id} className="flex min-w-0 flex-col gap-1 py-2 sm:flex-row sm:items-center sm:justify-between sm:gap-3">
          <Link href={`/tasks/${t.task_id}`} className="min-w-0 truncate text-sm font-medium text-brand-700 hover:underline sm:flex-1">
            {t.prompt.split("\n")[0] || shortId(t.task_id)}
          </Link>
          <span className="flex shrink-0 items-center gap-2 text-xs text-slate-500">
            <code>{t.agent_type}</code>
            <StateBadge state={t.state} />
            {formatRelative(t.created_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}

function ActivityFeed({ viewer }: { viewer: DashboardViewer }) {
  const feed = useResourceActivityFeed(viewer);
  return (
    <QueryState query={feed} isEmpty={feed.data?.length === 0} empty={{ title: "No activity yet" }} testId="activity" rows={4}>
      <ul className="divide-y divide-slate-100 text-sm" data-testid="activity-list">
        {feed.data?.map((e) => (
          <li key={e.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <span>
              <code className="text-xs text-slate-800">{e.event_type}</code>
              {e.resource_type ? (
                <span className="ml-2 text-xs text-slate-500">
                  {e.resource_type === "task" && e.resource_id ? (
                    <Link href={`/tasks/${e.resource_id}`} className="hover:underline">
                      task {shortId(e.resource_id)}
                    </Link>
                  ) : (
                    `${e.resource_type} ${e.resource_id ? shortId(e.resource_id) : ""}`
                  )}
                </span>
              ) : null}
            </span>
            <span className="text-xs text-slate-500">{formatRelative(e.occurred_at)}</span>
          </li>
        ))}
      </ul>
    </QueryState>
  );
}
