"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiBody, ApiOutput } from "../types";
import { boardKeys } from "./use-board";
import { taskKeys } from "./use-tasks";

export type TaskChanges = ApiOutput<"tasks.changes">;
export type ChangedFile = TaskChanges["files"][number];
export type PullRequest = ApiOutput<"tasks.pull_request">;

export const changesKeys = { detail: (id: string) => [...taskKeys.detail(id), "changes"] as const };

/** A task's changes; re-read every few seconds while the task runs (they are live then). */
export function useTaskChangesQuery(taskId: string, { enabled, live }: { enabled: boolean; live: boolean }) {
  return useQuery({
    queryKey: changesKeys.detail(taskId),
    queryFn: () => api<TaskChanges>(`/api/runtime/tasks/${taskId}/changes`),
    enabled,
    refetchInterval: live ? 3000 : false,
  });
}

export function useCreatePullRequestMutation(taskId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<"tasks.pull_request">) => api<PullRequest>(`/api/runtime/tasks/${taskId}/pull-request`, { method: "POST", body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: changesKeys.detail(taskId) });
      void qc.invalidateQueries({ queryKey: boardKeys.all });
    },
  });
}
