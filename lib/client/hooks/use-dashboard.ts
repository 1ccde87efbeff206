"use client";

import { useQuery } from "@tanstack/react-query";
import type { TaskSummary } from "@/lib/runtime/summary";
import { api, qs } from "../api";
import { taskKeys } from "./use-tasks";

/** The dashboard's numbers for the last 24 hours (everyone's for admins), aggregated by the server. */
export function useTaskSummaryQuery(all: boolean) {
  return useQuery({
    queryKey: [...taskKeys.all, "summary-24h", all],
    queryFn: () => api<TaskSummary>(`/api/runtime/tasks/summary${qs({ all: all ? "true" : undefined, hours: 24 })}`),
    refetchInterval: 15_000,
  });
}
