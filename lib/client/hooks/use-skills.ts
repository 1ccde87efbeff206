"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiOutput, ItemOf } from "../types";

export type SkillDetails = ApiOutput<"skills.get">;
export type Skill = ItemOf<ApiOutput<"skills.list">["skills"]>;

export const skillKeys = {
  all: ["skills"] as const,
  list: () => [...skillKeys.all, "list"] as const,
  detail: (name: string) => [...skillKeys.all, "detail", name] as const,
};

export function useSkillsQuery() {
  return useQuery({ queryKey: skillKeys.list(), queryFn: () => api<{ skills: Skill[] }>("/api/runtime/skills").then((r) => r.skills) });
}

export function useSkillQuery(name: string | null) {
  return useQuery({ queryKey: skillKeys.detail(name ?? ""), queryFn: () => api<SkillDetails>(`/api/runtime/skills/${encodeURIComponent(name!)}`), enabled: Boolean(name) });
}

export function useInstallSkillMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, replace }: { file: File; replace: boolean }) => {
      const form = new FormData();
      form.set("file", file);
      return api<SkillDetails & { replaced: boolean }>(`/api/runtime/skills${replace ? "?replace=true" : ""}`, { method: "POST", body: form });
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: skillKeys.all }),
  });
}

export function useSetSkillEnabledMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, enabled }: { name: string; enabled: boolean }) => api<Skill>(`/api/runtime/skills/${encodeURIComponent(name)}`, { method: "PATCH", body: { enabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: skillKeys.all }),
  });
}

export function useDeleteSkillMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<void>(`/api/runtime/skills/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: skillKeys.all }),
  });
}
