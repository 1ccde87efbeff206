"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiPage } from "../api";
import type { ApiBody, ApiOutput, ItemOf } from "../types";
import { projectKeys, type BoardStatus } from "./use-projects";

export type BoardTask = ItemOf<ApiOutput<"board.tasks.list">>;
export type ExecutionSummary = NonNullable<BoardTask["last_execution"]>;

export type BoardTaskInput = Pick<ApiBody<"board.tasks.create">, "title" | "description" | "priority" | "status">;

export type ExecuteResponse = ApiOutput<"board.tasks.execute">;

export const boardKeys = {
  all: ["board"] as const,
  project: (projectId: string) => [...boardKeys.all, projectId] as const,
};

const ACTIVE_RUN = new Set(["PENDING", "PLANNING", "RUNNING", "WAITING"]);

export function useBoardQuery(projectId: string) {
  return useQuery({
    queryKey: boardKeys.project(projectId),
    // Cards show their latest run's state: keep it fresh while any run is still going.
    refetchInterval: (query) => (query.state.data?.some((c) => c.last_execution && ACTIVE_RUN.has(c.last_execution.state)) ? 3_000 : false),
    refetchOnMount: "always",
    queryFn: async () => {
      // Follow the cursor so a big board still shows every card.
      const cards: BoardTask[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: BoardTask[]; nextCursor: string | null } = await apiPage<BoardTask>(
          `/api/tasks?project_id=${projectId}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        cards.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return cards;
    },
  });
}

export function useCreateBoardTaskMutation(projectId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: BoardTaskInput) => api<BoardTask>("/api/tasks", { method: "POST", body: { project_id: projectId, ...input } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: boardKeys.project(projectId) });
      void qc.invalidateQueries({ queryKey: projectKeys.all });
    },
  });
}

export function useUpdateBoardTaskMutation(projectId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: Partial<BoardTaskInput> & { id: string }) => api<BoardTask>(`/api/tasks/${id}`, { method: "PATCH", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: boardKeys.project(projectId) }),
  });
}

export function useDeleteBoardTaskMutation(projectId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/tasks/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: boardKeys.project(projectId) });
      void qc.invalidateQueries({ queryKey: projectKeys.all });
    },
  });
}

/**
 * Move a card: the board updates at once (optimistic) and rolls back if the server refuses.
 * `beforeId` is the card it lands above; `afterId` the card it lands below.
 */
export function useMoveBoardTaskMutation(projectId: string) {
  const qc = useQueryClient();
  const key = boardKeys.project(projectId);
  return useMutation({
    mutationFn: ({ id, status, beforeId, afterId }: { id: string; status: BoardStatus; beforeId: string | null; afterId: string | null }) =>
      api<BoardTask>(`/api/tasks/${id}/move`, { method: "POST", body: { status, before_id: beforeId, after_id: afterId } }),
    onMutate: async ({ id, status, beforeId, afterId }) => {
      await qc.cancelQueries({ queryKey: key });
      const previous = qc.getQueryData<BoardTask[]>(key);
      if (previous) {
        const before = previous.find((c) => c.id === beforeId);
        const after = previous.find((c) => c.id === afterId);
        const position =
          before && after ? (before.position + after.position) / 2 : before ? before.position - 0.5 : after ? after.position + 0.5 : Math.max(0, ...previous.filter((c) => c.status === status).map((c) => c.position)) + 1;
        qc.setQueryData<BoardTask[]>(
          key,
          previous.map((c) => (c.id === id ? { ...c, status, position } : c)),
        );
      }
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) qc.setQueryData(key, context.previous);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: key });
      void qc.invalidateQueries({ queryKey: projectKeys.all });
    },
  });
}

export function useExecuteBoardTaskMutation(projectId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { task_id: string; agent_type: string; prompt?: string; skills?: string[]; context?: Record<string, unknown> }) =>
      api<ExecuteResponse>("/api/tasks/execute", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: boardKeys.project(projectId) }),
  });
}

/** One card, for the task page's "came from" link. */
export function useBoardTaskQuery(id: string | null, enabled = true) {
  return useQuery({
    queryKey: [...boardKeys.all, "card", id],
    queryFn: () => api<ApiOutput<"board.tasks.get">>(`/api/tasks/${id}`),
    enabled: enabled && id !== null,
  });
}
