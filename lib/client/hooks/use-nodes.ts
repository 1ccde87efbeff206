"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiOutput, ItemOf } from "../types";

export type RemoteNodeView = ItemOf<ApiOutput<"nodes.list">["nodes"]>;
export type Enrolment = ApiOutput<"nodes.enrolments.create">;

const nodeKeys = { all: ["nodes"] as const };

/** Remote nodes, refreshed every 5 s so online/offline and running counts stay current. */
export function useNodesQuery() {
  return useQuery({ queryKey: nodeKeys.all, queryFn: () => api<ApiOutput<"nodes.list">>("/api/runtime/nodes").then((r) => r.nodes), refetchInterval: 5_000 });
}

export function useNodeActionMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: "approve" | "revoke" | "drain" | "undrain" }) =>
      api<RemoteNodeView>(`/api/runtime/nodes/${id}/${action === "undrain" ? "drain" : action}`, { method: "POST", ...(action === "drain" || action === "undrain" ? { body: { draining: action === "drain" } } : {}) }),
    onSuccess: () => qc.invalidateQueries({ queryKey: nodeKeys.all }),
  });
}

export function useCreateEnrolmentMutation() {
  return useMutation({
    mutationFn: (input: { name?: string; labels?: string[] }) => api<Enrolment>("/api/runtime/nodes/enrolments", { method: "POST", body: input }),
  });
}
