"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, qs } from "../api";
import type { ApiOutput, ItemOf } from "../types";
import type { Device, DeviceTrust } from "./use-account";

export type Role = "ADMIN" | "DEVELOPER" | "VIEWER" | "GUEST";
export const ROLE_OPTIONS: Role[] = ["ADMIN", "DEVELOPER", "VIEWER", "GUEST"];

export type AdminUser = ApiOutput<"admin.users.get">;

export type Invite = ItemOf<ApiOutput<"admin.invites.list">["invites"]>;

export type Policy = ItemOf<ApiOutput<"admin.policies.list">["policies"]>;

export const adminKeys = {
  all: ["admin"] as const,
  users: (filter: { q?: string; role?: string; status?: string } = {}) => [...adminKeys.all, "users", filter] as const,
  invites: () => [...adminKeys.all, "invites"] as const,
  devices: (trust?: DeviceTrust) => [...adminKeys.all, "devices", trust ?? "all"] as const,
  policies: () => [...adminKeys.all, "policies"] as const,
};

export function useUsersQuery(filter: { q?: string; role?: string; status?: string } = {}, opts: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: adminKeys.users(filter), queryFn: () => api<{ users: AdminUser[] }>(`/api/admin/users${qs(filter)}`).then((r) => r.users), enabled: opts.enabled });
}

export function useCreateUserMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; name: string; role: Role; password: string }) => api<AdminUser>("/api/admin/users", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [...adminKeys.all, "users"] }),
  });
}

export function useUpdateUserMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: { id: string; role?: Role; disabled?: boolean; name?: string }) => api<AdminUser>(`/api/admin/users/${id}`, { method: "PATCH", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [...adminKeys.all, "users"] }),
  });
}

export function useInvitesQuery() {
  return useQuery({ queryKey: adminKeys.invites(), queryFn: () => api<{ invites: Invite[] }>("/api/admin/invites").then((r) => r.invites) });
}

export function useCreateInviteMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email?: string; role: Role; expires_in_days?: number }) => api<ApiOutput<"admin.invites.create">>("/api/admin/invites", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.invites() }),
  });
}

export function useWithdrawInviteMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api(`/api/admin/invites/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.invites() }),
  });
}

export function useDevicesQuery(trust?: DeviceTrust) {
  return useQuery({
    queryKey: adminKeys.devices(trust),
    queryFn: () => api<{ devices: Device[]; pending_count: number }>(`/api/admin/devices${qs({ trust })}`),
  });
}

/** The pending-device count for the nav badge; refreshed every 30 s. */
export function usePendingDevicesCount(enabled: boolean) {
  return useQuery({
    queryKey: adminKeys.devices("pending"),
    queryFn: () => api<{ devices: Device[]; pending_count: number }>(`/api/admin/devices?trust=pending`),
    enabled,
    refetchInterval: 30_000,
    select: (r) => r.pending_count,
  });
}

export function useDecideDeviceMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: "approve" | "revoke" }) => api<{ device: Device }>(`/api/admin/devices/${id}/${decision}`, { method: "POST" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [...adminKeys.all, "devices"] }),
  });
}

export function usePoliciesQuery() {
  return useQuery({ queryKey: adminKeys.policies(), queryFn: () => api<{ policies: Policy[] }>("/api/admin/policies").then((r) => r.policies) });
}

export function useCreatePolicyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { kind: "agent" | "skill"; target: string; subject_type: "role" | "user"; subject_role?: Role; subject_user_id?: string; effect: "allow" | "deny" }) =>
      api<Policy>("/api/admin/policies", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.policies() }),
  });
}

export function useUpdatePolicyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, effect }: { id: string; effect: "allow" | "deny" }) => api<Policy>(`/api/admin/policies/${id}`, { method: "PATCH", body: { effect } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.policies() }),
  });
}

export function useDeletePolicyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/admin/policies/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.policies() }),
  });
}

export type PasswordReset = ApiOutput<"admin.users.passwordReset">;

/** Issue a one-time link for someone to set a new password (shown once). */
export function useCreatePasswordResetMutation() {
  return useMutation({
    mutationFn: (input: { userId: string; expires_in_hours?: number }) =>
      api<PasswordReset>(`/api/admin/users/${input.userId}/password-reset`, { method: "POST", body: input.expires_in_hours ? { expires_in_hours: input.expires_in_hours } : {} }),
  });
}
