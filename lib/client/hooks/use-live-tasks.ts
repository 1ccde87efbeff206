"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { liveSocket } from "../live-socket";
import { taskKeys } from "./use-tasks";

/** Event types that change what a task list shows (its state, whether it waits). */
const LIST_EVENTS = new Set(["state", "wait", "input"]);

/**
 * Keep a list of unfinished tasks live over the page's WebSocket: each listed task is followed
 * from its current end of log (only new events), and a state change refreshes the task queries
 * (lists, summary) at once instead of at the next poll. Tasks that leave the list are unfollowed.
 * `onLive(true)` once the socket carries them, `onLive(false)` when it cannot (the caller keeps
 * polling fast then); the list's own polling still finds newly submitted tasks.
 */
export function useLiveTaskList(tasks: readonly { task_id: string; events_count: number }[] | undefined, onLive: (live: boolean) => void) {
  const qc = useQueryClient();
  const following = useRef(new Map<string, () => void>());
  const onLiveRef = useRef(onLive);
  useEffect(() => {
    onLiveRef.current = onLive;
  });

  const key = tasks?.map((t) => t.task_id).sort().join(",") ?? "";
  useEffect(() => {
    const socket = liveSocket();
    if (!tasks) return;
    if (!socket.available) return onLiveRef.current(false);
    const wanted = new Map(tasks.map((t) => [t.task_id, t.events_count]));
    for (const [taskId, stop] of following.current) {
      if (!wanted.has(taskId)) {
        stop();
        following.current.delete(taskId);
      }
    }
    for (const [taskId, after] of wanted) {
      if (following.current.has(taskId)) continue;
      const stop = socket.follow(taskId, after, {
        onEvent: (event) => {
          if (LIST_EVENTS.has(event.type)) void qc.invalidateQueries({ queryKey: taskKeys.all });
        },
        onStatus: (status) => onLiveRef.current(status === "live"),
        onEnded: () => following.current.delete(taskId),
        onUnavailable: () => {
          following.current.delete(taskId);
          onLiveRef.current(false);
        },
      });
      following.current.set(taskId, stop);
    }
    // `tasks` changes on every poll; `key` (the ids) is what decides who is followed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, qc]);

  useEffect(() => {
    const map = following.current;
    return () => {
      for (const stop of map.values()) stop();
      map.clear();
    };
  }, []);
}
