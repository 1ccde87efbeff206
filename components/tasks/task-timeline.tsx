import { formatDateTime } from "@/lib/client/format";
import type { TaskEvent, TaskState } from "@/lib/client/hooks/use-tasks";
import { STATE_TONE } from "./state-badge";

const DOT: Record<string, string> = {
  slate: "bg-slate-400",
  purple: "bg-purple-500",
  blue: "bg-brand-500",
  amber: "bg-amber-500",
  green: "bg-emerald-500",
  red: "bg-red-500",
};

/** Each state the task went through, with when it entered it and why (from the state events). */
export function TaskTimeline({ events, createdAt }: { events: TaskEvent[]; createdAt: string }) {
  const steps = events.filter((e) => e.type === "state" && e.state).map((e) => ({ seq: e.seq, state: e.state as TaskState, at: e.created_at, reason: typeof e.data.reason === "string" ? e.data.reason : null, attempt: e.attempt }));
  if (steps.length === 0) steps.push({ seq: 0, state: "PENDING", at: createdAt, reason: null, attempt: 0 });
  return (
    <ol className="relative space-y-3 border-l border-slate-200 pl-4" data-testid="task-timeline">
      {steps.map((s) => (
        <li key={s.seq} className="relative" data-testid="timeline-step" data-state={s.state}>
          <span className={`absolute -left-[21px] top-1.5 h-2.5 w-2.5 rounded-full ring-2 ring-white ${DOT[STATE_TONE[s.state]]}`} aria-hidden />
          <p className="text-sm font-medium text-slate-900">{s.state}</p>
          <p className="text-xs text-slate-500">
            <time dateTime={s.at}>{formatDateTime(s.at)}</time>
            {s.reason ? ` · ${s.reason}` : ""}
          </p>
        </li>
      ))}
    </ol>
  );
}
