"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { auditKeys, type AuditEvent } from "./use-audit";

/** The latest audit events: the whole trail for auditors, the viewer's own activity otherwise. */
export function useResourceActivityFeed(viewer: { userId: string; isAuditor: boolean }, limit = 12) {
  const path = viewer.isAuditor ? `/api/audit/events?limit=${limit}` : `/api/audit/users/${viewer.userId}/activity?limit=${limit}`;
  return useQuery({
    queryKey: [...auditKeys.all, "feed", viewer.isAuditor ? "all" : viewer.userId, limit],
    queryFn: () => api<{ events: AuditEvent[] }>(path).then((r) => r.events),
    refetchInterval: 15_000,
  });
}
