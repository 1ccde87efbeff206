"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AgentListing } from "@/lib/agents";
import { api } from "../api";

/** An agent as GET /api/runtime/agents lists it (type shared with the server). */
export type Agent = AgentListing;

type SettingValue = string | number | boolean;

export interface AgentConfig {
  agent_type: string;
  enabled: boolean;
  settings: Record<string, SettingValue | null>;
  secrets: Record<string, { set: boolean; source: "database" | "environment" | null }>;
  fields: {
    name: string;
    label: string;
    type: "string" | "url" | "number" | "boolean" | "enum";
    secret: boolean;
    env: string | null;
    default: SettingValue | null;
    options: readonly string[] | null;
    help: string | null;
    source: "database" | "environment" | "default" | null;
  }[];
  updated_at: string | null;
  updated_by: string | null;
}

export interface AgentConfigUpdate {
  enabled?: boolean;
  settings?: Record<string, SettingValue | null>;
  /** Write-only: a new value, or null to remove the stored one. */
  secrets?: Record<string, string | null>;
}

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
