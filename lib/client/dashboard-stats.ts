import type { TaskSummary } from "@/lib/runtime/summary";

export type StateCounts = TaskSummary["counts"];
export type AgentStats = TaskSummary["agents"][number];
type HourCounts = TaskSummary["per_hour"][number];

export interface HourBucket extends HourCounts {
  /** The hour in the viewer's time zone, e.g. "14:00". */
  label: string;
}

/**
 * The server omits hours in which nothing finished; the chart wants every hour of the window,
 * oldest first, labelled in local time.
 */
export function fillHours(perHour: HourCounts[], now: Date, hours = 24): HourBucket[] {
  const byHour = new Map(perHour.map((h) => [new Date(h.hour).getTime(), h]));
  const end = new Date(now);
  end.setUTCMinutes(0, 0, 0);
  const buckets: HourBucket[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const start = new Date(end.getTime() - i * 3600_000);
    const found = byHour.get(start.getTime());
    buckets.push({
      hour: start.toISOString(),
      label: `${String(start.getHours()).padStart(2, "0")}:${String(start.getMinutes()).padStart(2, "0")}`,
      COMPLETED: found?.COMPLETED ?? 0,
      FAILED: found?.FAILED ?? 0,
      CANCELLED: found?.CANCELLED ?? 0,
    });
  }
  return buckets;
}
