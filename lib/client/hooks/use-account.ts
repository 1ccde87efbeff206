"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";

export interface ApiToken {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  status: "active" | "expired" | "revoked";
}

export interface CreatedToken extends ApiToken {
  /** The secret, shown once. */
  token: string;
}

export type DeviceTrust = "pending" | "trusted" | "revoked";

export interface RuntimeSessionInfo {
  session_id: string;
  user_id: string;
  device: { device_id: string; name: string | null; trust: DeviceTrust };
  status: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface Device {
  id: string;
  device_id: string;
  user_id: string;
  user_email?: string;
  user_name?: string | null;
  name: string | null;
  trust: DeviceTrust;
  first_seen_at: string;
  last_seen_at: string;
  last_ip: string | null;
  user_agent: string | null;
  decided_by: string | null;
  decided_at: string | null;
}

export const accountKeys = {
  all: ["account"] as const,
  tokens: () => [...accountKeys.all, "tokens"] as const,
  sessions: () => [...accountKeys.all, "sessions"] as const,
  devices: () => [...accountKeys.all, "devices"] as const,
};

export function useTokensQuery() {
  return useQuery({ queryKey: accountKeys.tokens(), queryFn: () => api<{ tokens: ApiToken[] }>("/api/account/tokens").then((r) => r.tokens) });
}

export function useCreateTokenMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; expires_in_days?: number }) => api<CreatedToken>("/api/account/tokens", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.tokens() }),
  });
}

export function useRevokeTokenMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ token: ApiToken }>(`/api/account/tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.tokens() }),
  });
}

export function useMySessionsQuery() {
  return useQuery({ queryKey: accountKeys.sessions(), queryFn: () => api<{ sessions: RuntimeSessionInfo[] }>("/api/account/sessions").then((r) => r.sessions) });
}

export function useEndSessionMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/runtime/sessions/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.all }),
  });
}

export function useMyDevicesQuery() {
  return useQuery({ queryKey: accountKeys.devices(), queryFn: () => api<{ devices: Device[] }>("/api/account/devices").then((r) => r.devices) });
}

/** Revoke one of my devices: its sessions end at once, and only an admin can trust it again. */
export function useRevokeMyDeviceMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ device: Device }>(`/api/account/devices/${id}/revoke`, { method: "POST" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.all }),
  });
}
