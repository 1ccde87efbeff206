"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, qs } from "../api";
import type { ApiBody, ApiOutput, ItemOf } from "../types";

export const TASK_STATES = ["PENDING", "PLANNING", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TERMINAL_STATES: readonly TaskState[] = ["COMPLETED", "FAILED", "CANCELLED"];
export const isTerminal = (state: TaskState) => TERMINAL_STATES.includes(state);

export type Task = ApiOutput<"tasks.get">;
export type PendingQuestion = NonNullable<Task["pending_question"]>;

export type TaskEvent = ItemOf<ApiOutput<"tasks.events">["events"]>;

export interface TaskFilter {
  state?: string;
  agent_type?: string;
  project_id?: string;
  all?: boolean;
  /** Admins: one person's tasks. */
  user_id?: string;
  /** Prompt contains. */
  q?: string;
}

export type SubmitInput = ApiBody<"tasks.submit">;

export const taskKeys = {
  all: ["tasks"] as const,
  lists: () => [...taskKeys.all, "list"] as const,
  list: (filter: TaskFilter) => [...taskKeys.lists(), filter] as const,
  detail: (id: string) => [...taskKeys.all, "detail", id] as const,
};

type TaskPage = ApiOutput<"tasks.list">;

export function useTasksQuery(filter: TaskFilter, opts: { limit?: number; refetchInterval?: number } = {}) {
  return useInfiniteQuery({
    queryKey: [...taskKeys.list(filter), opts.limit ?? 25],
    queryFn: ({ pageParam }) =>
      api<TaskPage>(`/api/runtime/tasks${qs({ ...filter, all: filter.all ? "true" : undefined, limit: opts.limit ?? 25, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: opts.refetchInterval,
  });
}

/** One page of tasks, for small live panels (running, waiting). */
export function useTaskPageQuery(filter: TaskFilter & { limit?: number }, refetchInterval?: number) {
  return useQuery({
    queryKey: [...taskKeys.list(filter), "page"],
    queryFn: () => api<TaskPage>(`/api/runtime/tasks${qs({ ...filter, all: filter.all ? "true" : undefined })}`),
    refetchInterval,
  });
}

export function useTaskQuery(id: string) {
  return useQuery({ queryKey: taskKeys.detail(id), queryFn: () => api<Task>(`/api/runtime/tasks/${id}`) });
}

export function useSubmitTaskMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: SubmitInput) => api<Task>("/api/runtime/tasks/submit", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}

function useTaskAction<V>(id: string, request: (vars: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: request,
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: taskKeys.detail(id) });
      void qc.invalidateQueries({ queryKey: taskKeys.lists() });
    },
  });
}

export function useCancelTaskMutation(id: string) {
  return useTaskAction<void>(id, () => api(`/api/runtime/tasks/${id}/cancel`, { method: "POST" }));
}

export function useAnswerTaskMutation(id: string) {
  return useTaskAction<{ answer?: string; approved?: boolean; text?: string }>(id, (body) => api(`/api/runtime/tasks/${id}/input`, { method: "POST", body }));
}

export function useRetryTaskMutation(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<Task>(`/api/runtime/tasks/${id}/retry`, { method: "POST", body: {} }),
    onSuccess: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}
