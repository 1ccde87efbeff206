"use client";

import { useQuery } from "@tanstack/react-query";
import { api, qs } from "../api";
import { taskKeys, type Task } from "./use-tasks";

/** The caller's own tasks that wait for an answer; refreshed every few seconds for the nav, title and alerts. */
export function useWaitingForYou(enabled: boolean) {
  return useQuery({
    queryKey: [...taskKeys.lists(), "waiting-for-you"],
    queryFn: () => api<{ tasks: Task[] }>(`/api/runtime/tasks${qs({ state: "WAITING", limit: 50 })}`).then((r) => r.tasks),
    enabled,
    refetchInterval: 4_000,
    refetchIntervalInBackground: true,
  });
}

export const BROWSER_ALERTS_KEY = "clawlink.browser-notifications";

/** Whether this browser should raise system notifications (opt-in on the Account page). */
export function browserAlertsOn(): boolean {
  return typeof window !== "undefined" && "Notification" in window && Notification.permission === "granted" && localStorage.getItem(BROWSER_ALERTS_KEY) === "on";
}

/** `(3) Tasks · coderClawLink`: the waiting count in front of whatever title the page set. */
export function titleWithCount(title: string, count: number): string {
  const bare = title.replace(/^\(\d+\+?\) /, "");
  return count > 0 ? `(${count >= 50 ? "50+" : count}) ${bare}` : bare;
}
