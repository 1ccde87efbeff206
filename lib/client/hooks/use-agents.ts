"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiBody, ApiOutput, ItemOf } from "../types";

/** An agent as GET /api/runtime/agents lists it. */
export type Agent = ItemOf<ApiOutput<"agents.list">["agents"]>;

export type AgentConfig = ApiOutput<"admin.agents.get">;

/** Secrets are write-only: a new value, or null to remove the stored one. */
export type AgentConfigUpdate = ApiBody<"admin.agents.update">;

export const agentKeys = {
  all: ["agents"] as const,
  list: () => [...agentKeys.all, "list"] as const,
  config: (type: string) => [...agentKeys.all, "config", type] as const,
};

export function useAgentsQuery() {
  return useQuery({ queryKey: agentKeys.list(), queryFn: () => api<{ agents: Agent[] }>("/api/runtime/agents").then((r) => r.agents), staleTime: 30_000 });
}

export function useAgentConfigQuery(type: string, enabled = true) {
  return useQuery({ queryKey: agentKeys.config(type), queryFn: () => api<AgentConfig>(`/api/admin/agents/${encodeURIComponent(type)}`), enabled });
}

export function useUpdateAgentConfigMutation(type: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (update: AgentConfigUpdate) => api<AgentConfig>(`/api/admin/agents/${encodeURIComponent(type)}`, { method: "PUT", body: update }),
    onSuccess: (config) => {
      qc.setQueryData(agentKeys.config(type), config);
      void qc.invalidateQueries({ queryKey: agentKeys.list() });
    },
  });
}
