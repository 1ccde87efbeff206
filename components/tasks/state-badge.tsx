import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { TaskState } from "@/lib/client/hooks/use-tasks";

export const STATE_TONE: Record<TaskState, BadgeTone> = {
  PENDING: "slate",
  PLANNING: "purple",
  RUNNING: "blue",
  WAITING: "amber",
  COMPLETED: "green",
  FAILED: "red",
  CANCELLED: "slate",
};

export function StateBadge({ state, testId = "task-state" }: { state: TaskState; testId?: string }) {
  const live = state === "RUNNING" || state === "PLANNING";
  return (
    <Badge tone={STATE_TONE[state]} testId={testId}>
      {live ? <span className="h-1.5 w-1.5 animate-pulse rounded-full bg-current" aria-hidden /> : null}
      {state}
    </Badge>
  );
}
