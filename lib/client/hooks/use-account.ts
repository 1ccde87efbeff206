"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiOutput, ItemOf } from "../types";

export type ApiToken = ItemOf<ApiOutput<"account.tokens.list">["tokens"]>;

/** A token with its secret, shown once. */
export type CreatedToken = ApiOutput<"account.tokens.create">;

export type DeviceTrust = "pending" | "trusted" | "revoked";

export type RuntimeSessionInfo = ItemOf<ApiOutput<"account.sessions.list">["sessions"]>;

export type Device = ItemOf<ApiOutput<"account.devices.list">["devices"]>;

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

export type BrowserSessionInfo = ItemOf<ApiOutput<"account.browserSessions.list">["browser_sessions"]>;
export type SessionsEnded = ApiOutput<"account.password.change">;

const browserSessionsKey = () => [...accountKeys.all, "browser-sessions"] as const;

export function useBrowserSessionsQuery() {
  return useQuery({ queryKey: browserSessionsKey(), queryFn: () => api<{ browser_sessions: BrowserSessionInfo[] }>("/api/account/browser-sessions").then((r) => r.browser_sessions) });
}

/** Sign one browser out; its cookie stops working at once. */
export function useEndBrowserSessionMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/account/browser-sessions/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: browserSessionsKey() }),
  });
}

/** Change my password; my other sessions end, this one stays. */
export function useChangePasswordMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { current_password: string; new_password: string }) => api<SessionsEnded>("/api/account/password", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.all }),
  });
}

/** End every browser and runtime session of mine, this one included. */
export function useSignOutEverywhereMutation() {
  return useMutation({ mutationFn: () => api<SessionsEnded>("/api/account/sign-out-everywhere", { method: "POST" }) });
}
