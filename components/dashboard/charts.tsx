"use client";

// recharts is most of the dashboard's JavaScript: this module is loaded lazily, through ./lazy-charts.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
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

/** The agents' success-rate bars (the table of figures beside it is in ./agent-stats). */
export function AgentSuccessBars({ data }: { data: AgentStats[] }) {
  return (
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
  );
}
