"use client";

import dynamic from "next/dynamic";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDuration } from "@/lib/client/format";
import type { AgentStats, HourBucket } from "@/lib/client/dashboard-stats";

/**
 * The dashboard's charts without the chart library in the page's first load: recharts (about 110 kB
 * gzip, more than a third of the page) comes in its own chunk. `preloadCharts()` starts fetching it
 * when the dashboard mounts, alongside the data the charts draw; until it is there a placeholder of
 * the chart's exact height stands in, so nothing below moves when it arrives.
 */
const loadCharts = () => import("./charts");
export const preloadCharts = () => void loadCharts().catch(() => undefined);

/** A chart-sized grey block (give it the chart's height class). */
export function ChartPlaceholder({ className }: { className: string }) {
  return (
    <div className={className} role="status" aria-label="Loading chart" data-testid="chart-loading">
      <Skeleton className="h-full w-full" />
    </div>
  );
}

export const TasksPerHourChart = dynamic<{ data: HourBucket[] }>(() => loadCharts().then((m) => m.TasksPerHourChart), {
  ssr: false,
  loading: () => <ChartPlaceholder className="h-64" />,
});

const AgentSuccessBars = dynamic<{ data: AgentStats[] }>(() => loadCharts().then((m) => m.AgentSuccessBars), {
  ssr: false,
  loading: () => <ChartPlaceholder className="h-48" />,
});

/** Success rate per agent as bars (lazy), and the same figures with the median run time as a table (at once). */
export function AgentSuccessChart({ data }: { data: AgentStats[] }) {
  return (
    <div className="space-y-3" data-testid="chart-agents">
      <AgentSuccessBars data={data} />
      <table className="w-full text-sm">
        <caption className="sr-only">Success rate and median duration per agent</caption>
        <thead>
          <tr className="text-left text-xs uppercase tracking-wide text-slate-500">
            <th className="py-1 font-semibold">Agent</th>
            <th className="py-1 text-right font-semibold">Finished</th>
            <th className="py-1 text-right font-semibold">Success</th>
            <th className="py-1 text-right font-semibold">Median time</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.map((a) => (
            <tr key={a.agent_type} data-testid="agent-stats-row">
              <td className="py-1.5">
                <code className="text-xs">{a.agent_type}</code>
              </td>
              <td className="py-1.5 text-right">{a.finished}</td>
              <td className="py-1.5 text-right">{a.success_rate === null ? "—" : `${a.success_rate}%`}</td>
              <td className="py-1.5 text-right">{formatDuration(a.median_duration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
