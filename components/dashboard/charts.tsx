"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration } from "@/lib/client/format";
import type { AgentStats, HourBucket } from "@/lib/client/dashboard-stats";

export function TasksPerHourChart({ data }: { data: HourBucket[] }) {
  return (
    <div className="h-64" data-testid="chart-tasks-per-hour" role="img" aria-label="Finished tasks per hour over the last 24 hours, by final state">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#64748b" }} interval={3} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="COMPLETED" stackId="s" fill="#10b981" name="Completed" isAnimationActive={false} />
          <Bar dataKey="FAILED" stackId="s" fill="#ef4444" name="Failed" isAnimationActive={false} />
          <Bar dataKey="CANCELLED" stackId="s" fill="#94a3b8" name="Cancelled" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function AgentSuccessChart({ data }: { data: AgentStats[] }) {
  return (
    <div className="space-y-3" data-testid="chart-agents">
      <div className="h-48" role="img" aria-label="Success rate per agent">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e2e8f0" />
            <XAxis type="number" domain={[0, 100]} unit="%" tick={{ fontSize: 11, fill: "#64748b" }} />
            <YAxis type="category" dataKey="agent_type" width={90} tick={{ fontSize: 11, fill: "#334155" }} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Bar dataKey="success_rate" fill="#2563eb" name="Success rate" radius={[0, 3, 3, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
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
