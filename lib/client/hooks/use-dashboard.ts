"use client";

import { useQuery } from "@tanstack/react-query";
import { api, qs } from "../api";
import { taskKeys, type Task } from "./use-tasks";

const WINDOW_MS = 24 * 3600_000;
const PAGE = 200;
const MAX_PAGES = 5;

/**
 * The tasks of the last 24 hours (everyone's for admins), read from the task list a page at a
 * time — at most 1,000 tasks, enough for a team's day. A server-side summary endpoint would
 * replace this for larger installations.
 */
export function useRecentTasksQuery(all: boolean) {
  return useQuery({
    queryKey: [...taskKeys.all, "recent-24h", all],
    queryFn: async () => {
      const since = Date.now() - WINDOW_MS;
      const tasks: Task[] = [];
      let cursor: string | undefined;
      let truncated = false;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await api<{ tasks: Task[]; next_cursor: string | null }>(`/api/runtime/tasks${qs({ all: all ? "true" : undefined, limit: PAGE, cursor })}`);
        const fresh = res.tasks.filter((t) => new Date(t.created_at).getTime() >= since);
        tasks.push(...fresh);
        if (fresh.length < res.tasks.length || !res.next_cursor) return { tasks, truncated: false };
        cursor = res.next_cursor;
        truncated = page === MAX_PAGES - 1;
      }
      return { tasks, truncated };
    },
    refetchInterval: 15_000,
  });
}
