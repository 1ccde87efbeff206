"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiPage, qs } from "../api";
import type { ApiOutput } from "../types";

export type BoardStatus = "todo" | "in_progress" | "in_review" | "done" | "blocked";
export type Priority = "low" | "medium" | "high" | "urgent";

export const BOARD_COLUMNS: { status: BoardStatus; label: string }[] = [
  { status: "todo", label: "To do" },
  { status: "in_progress", label: "In progress" },
  { status: "in_review", label: "In review" },
  { status: "done", label: "Done" },
  { status: "blocked", label: "Blocked" },
];

export type Project = ApiOutput<"projects.get">;

export interface ProjectInput {
  key?: string;
  name: string;
  description?: string | null;
  github_url?: string | null;
  local_path?: string | null;
}

export const projectKeys = {
  all: ["projects"] as const,
  list: () => [...projectKeys.all, "list"] as const,
  detail: (id: string) => [...projectKeys.all, "detail", id] as const,
};

const PAGE = 50;

export function useProjectsQuery() {
  return useInfiniteQuery({
    queryKey: projectKeys.list(),
    queryFn: ({ pageParam }) => apiPage<Project>(`/api/projects${qs({ limit: PAGE, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Every project (for pickers); the list is small in practice, so one large page. */
export function useAllProjectsQuery(enabled = true) {
  return useQuery({ queryKey: [...projectKeys.all, "all"], queryFn: () => apiPage<Project>("/api/projects?limit=500").then((p) => p.items), enabled });
}

export function useProjectQuery(id: string, enabled = true) {
  return useQuery({ queryKey: projectKeys.detail(id), queryFn: () => api<Project>(`/api/projects/${id}`), enabled: enabled && id !== "" });
}

export function useCreateProjectMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ProjectInput) => api<Project>("/api/projects", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.all }),
  });
}

export function useUpdateProjectMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: ProjectInput & { id: string }) => api<Project>(`/api/projects/${id}`, { method: "PATCH", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.all }),
  });
}

export function useDeleteProjectMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/projects/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.all }),
  });
}
