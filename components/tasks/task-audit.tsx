"use client";

import { useEffect, useRef } from "react";
import { Badge } from "@/components/ui/badge";
import { QueryState } from "@/components/ui/query-state";
import { formatDateTime } from "@/lib/client/format";
import { useResourceAuditQuery } from "@/lib/client/hooks/use-audit";

/** The audit trail of one task: who submitted, answered, cancelled it, and how it ended. */
export function TaskAudit({ taskId, userId, isAuditor, live }: { taskId: string; userId: string; isAuditor: boolean; live: boolean }) {
  const events = useResourceAuditQuery({ type: "task", id: taskId }, { userId, isAuditor }, live ? 5_000 : undefined);
  // When the task ends, read once more: its task.completed / failed / cancelled row is new.
  const { refetch } = events;
  const wasLive = useRef(live);
  useEffect(() => {
    if (wasLive.current && !live) void refetch();
    wasLive.current = live;
  }, [live, refetch]);
  return (
    <QueryState query={events} isEmpty={events.data?.length === 0} empty={{ title: "No audit events yet" }} testId="task-audit" rows={3}>
      <ul className="divide-y divide-slate-100 text-sm" data-testid="task-audit-list">
        {events.data?.map((e) => (
          <li key={e.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="task-audit-event">
            <span className="flex items-center gap-2">
              <code className="text-xs text-slate-800">{e.event_type}</code>
              {e.outcome !== "success" ? <Badge tone={e.outcome === "denied" ? "amber" : "red"}>{e.outcome}</Badge> : null}
            </span>
            <span className="text-xs text-slate-500">
              #{e.seq} · {formatDateTime(e.occurred_at)}
            </span>
          </li>
        ))}
      </ul>
    </QueryState>
  );
}
