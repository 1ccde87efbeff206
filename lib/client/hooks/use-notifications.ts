"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { ApiBody, ApiOutput } from "../types";

export type NotificationPrefs = ApiOutput<"account.notifications.get">;
export type NotificationDefaults = ApiOutput<"admin.notifications.get">;
export type PrefsUpdate = ApiBody<"account.notifications.update">;
export type LinkCode = ApiOutput<"account.telegram.code">;

export const notifyKeys = {
  prefs: ["notifications", "prefs"] as const,
  defaults: ["notifications", "defaults"] as const,
};

export function useNotificationPrefsQuery(refetchInterval?: number) {
  return useQuery({ queryKey: notifyKeys.prefs, queryFn: () => api<NotificationPrefs>("/api/account/notifications"), refetchInterval });
}

export function useUpdateNotificationPrefsMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PrefsUpdate) => api<NotificationPrefs>("/api/account/notifications", { method: "PUT", body }),
    onSuccess: (data) => qc.setQueryData(notifyKeys.prefs, data),
  });
}

export function useTelegramCodeMutation() {
  return useMutation({ mutationFn: () => api<LinkCode>("/api/account/notifications/telegram/code", { method: "POST" }) });
}

export function useUnlinkTelegramMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>("/api/account/notifications/telegram", { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: notifyKeys.prefs }),
  });
}

export function useNotificationDefaultsQuery() {
  return useQuery({ queryKey: notifyKeys.defaults, queryFn: () => api<NotificationDefaults>("/api/admin/notifications") });
}

export function useUpdateNotificationDefaultsMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PrefsUpdate) => api<NotificationDefaults>("/api/admin/notifications", { method: "PUT", body }),
    onSuccess: (data) => qc.setQueryData(notifyKeys.defaults, data),
  });
}
