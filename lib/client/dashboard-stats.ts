import type { Task, TaskState } from "./hooks/use-tasks";

export type StateCounts = Record<TaskState, number>;

export interface HourBucket {
  /** Start of the hour, ISO. */
  hour: string;
  label: string;
  COMPLETED: number;
  FAILED: number;
  CANCELLED: number;
}

export interface AgentStats {
  agent_type: string;
  finished: number;
  completed: number;
  /** 0–100, null when nothing finished. */
  success_rate: number | null;
  /** Seconds, over completed tasks; null when none. */
  median_duration: number | null;
}

const EMPTY: StateCounts = { PENDING: 0, PLANNING: 0, RUNNING: 0, WAITING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };

export function countByState(tasks: Pick<Task, "state">[]): StateCounts {
  const counts = { ...EMPTY };
  for (const t of tasks) counts[t.state] += 1;
  return counts;
}

/** Finished tasks per hour over the `hours` hours up to `now`, by final state (hours with none included). */
export function tasksPerHour(tasks: Pick<Task, "state" | "finished_at">[], now: Date, hours = 24): HourBucket[] {
  const end = new Date(now);
  end.setMinutes(0, 0, 0);
  const buckets: HourBucket[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const start = new Date(end.getTime() - i * 3600_000);
    buckets.push({ hour: start.toISOString(), label: `${String(start.getHours()).padStart(2, "0")}:00`, COMPLETED: 0, FAILED: 0, CANCELLED: 0 });
  }
  const first = new Date(buckets[0]!.hour).getTime();
  for (const t of tasks) {
    if (!t.finished_at || (t.state !== "COMPLETED" && t.state !== "FAILED" && t.state !== "CANCELLED")) continue;
    const index = Math.floor((new Date(t.finished_at).getTime() - first) / 3600_000);
    if (index >= 0 && index < buckets.length) buckets[index]![t.state] += 1;
  }
  return buckets;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Per agent: the share of finished tasks that completed (cancelled ones count as not
 * successful) and the median run time of the completed ones.
 */
export function agentStats(tasks: Pick<Task, "agent_type" | "state" | "execution_time">[]): AgentStats[] {
  const byAgent = new Map<string, { finished: number; completed: number; durations: number[] }>();
  for (const t of tasks) {
    if (t.state !== "COMPLETED" && t.state !== "FAILED" && t.state !== "CANCELLED") continue;
    const entry = byAgent.get(t.agent_type) ?? { finished: 0, completed: 0, durations: [] };
    entry.finished += 1;
    if (t.state === "COMPLETED") {
      entry.completed += 1;
      if (typeof t.execution_time === "number") entry.durations.push(t.execution_time);
    }
    byAgent.set(t.agent_type, entry);
  }
  return [...byAgent.entries()]
    .map(([agent_type, e]) => ({
      agent_type,
      finished: e.finished,
      completed: e.completed,
      success_rate: e.finished ? Math.round((e.completed / e.finished) * 1000) / 10 : null,
      median_duration: median(e.durations),
    }))
    .sort((a, b) => b.finished - a.finished || a.agent_type.localeCompare(b.agent_type));
}
