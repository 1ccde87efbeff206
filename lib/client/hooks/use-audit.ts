"use client";

import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { api, qs } from "../api";
import type { ApiOutput, ItemOf } from "../types";

export type AuditEvent = ItemOf<ApiOutput<"audit.events">["events"]>;

export interface AuditFilter {
  user_id?: string;
  session_id?: string;
  event_type?: string;
  resource_type?: string;
  resource_id?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

export type ChainReport = ApiOutput<"audit.verify">;

type AuditPage = ApiOutput<"audit.events">;

export const auditKeys = {
  all: ["audit"] as const,
  events: (filter: AuditFilter) => [...auditKeys.all, "events", filter] as const,
  resource: (type: string, id: string, scope: string) => [...auditKeys.all, "resource", type, id, scope] as const,
};

/** The audit browser's pages (admin:system), newest first. */
export function useAuditEventsQuery(filter: AuditFilter, limit = 50) {
  return useInfiniteQuery({
    queryKey: [...auditKeys.events(filter), limit],
    queryFn: ({ pageParam }) => api<AuditPage>(`/api/audit/events${qs({ ...filter, limit, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/**
 * Audit events about one resource. Admins read the whole trail; anyone else reads their own
 * activity (which covers everything about their own tasks).
 */
export function useResourceAuditQuery(resource: { type: string; id: string }, viewer: { userId: string; isAuditor: boolean }, refetchInterval?: number) {
  const path = viewer.isAuditor ? "/api/audit/events" : `/api/audit/users/${viewer.userId}/activity`;
  return useQuery({
    queryKey: auditKeys.resource(resource.type, resource.id, viewer.isAuditor ? "all" : viewer.userId),
    queryFn: () => api<AuditPage>(`${path}${qs({ resource_type: resource.type, resource_id: resource.id, order: "asc", limit: 200 })}`).then((r) => r.events),
    refetchInterval,
  });
}

export function useVerifyChainMutation() {
  return useMutation({ mutationFn: () => api<ChainReport>("/api/audit/verify") });
}

/** The export link for the current filters (a plain download, streamed by the server). */
export function auditExportUrl(filter: AuditFilter, format: "csv" | "jsonl"): string {
  return `/api/audit/export${qs({ ...filter, format })}`;
}
