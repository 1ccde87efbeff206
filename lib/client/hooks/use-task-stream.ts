"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { isTerminal, taskKeys, type TaskEvent, type TaskState } from "./use-tasks";

/** Every event type the runtime writes to a task's log (each is a named SSE event). */
export const TASK_EVENT_TYPES = ["state", "output", "message", "tool_call", "tool_result", "progress", "usage", "wait", "input", "result", "error"] as const;

export type StreamStatus = "connecting" | "live" | "reconnecting" | "ended";

const MAX_BACKOFF_MS = 15_000;

/**
 * Follow a task's event log over SSE (`/api/runtime/tasks/{id}/stream`): the whole log first,
 * then live events as they are written, until the terminal state event. The browser resends
 * Last-Event-ID on its own reconnects; when the connection is closed for good (an HTTP error,
 * a proxy timeout) we reopen it ourselves with `?after=<last seq>`, so nothing is lost or
 * shown twice (events are also de-duplicated by seq).
 */
export function useTaskStream(taskId: string, opts: { enabled?: boolean } = {}) {
  const enabled = opts.enabled ?? true;
  const qc = useQueryClient();
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const lastSeq = useRef(0);

  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;

    const stop = () => {
      stopped = true;
      source?.close();
      clearTimeout(retryTimer);
    };

    const onEvent = (message: MessageEvent<string>) => {
      let event: TaskEvent;
      try {
        event = JSON.parse(message.data) as TaskEvent;
      } catch {
        return;
      }
      if (event.seq <= lastSeq.current) return;
      lastSeq.current = event.seq;
      attempts = 0;
      setEvents((prev) => [...prev, event]);
      if (event.type === "state" || event.type === "wait" || event.type === "input" || event.type === "result" || event.type === "error") {
        void qc.invalidateQueries({ queryKey: taskKeys.detail(taskId) });
      }
      if (event.type === "state" && event.state && isTerminal(event.state as TaskState)) {
        setStatus("ended");
        void qc.invalidateQueries({ queryKey: taskKeys.lists() });
        stop();
      }
    };

    const open = () => {
      if (stopped) return;
      source = new EventSource(`/api/runtime/tasks/${taskId}/stream?after=${lastSeq.current}`);
      source.onopen = () => setStatus("live");
      for (const type of TASK_EVENT_TYPES) source.addEventListener(type, onEvent as EventListener);
      source.onerror = () => {
        if (stopped) return;
        // The server ends the stream after the terminal event; a finished task has nothing more to send.
        const cached = qc.getQueryData<{ state: TaskState; events_count: number }>(taskKeys.detail(taskId));
        if (cached && isTerminal(cached.state) && lastSeq.current >= cached.events_count) {
          setStatus("ended");
          stop();
          return;
        }
        setStatus("reconnecting");
        if (source?.readyState === EventSource.CLOSED) {
          attempts += 1;
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts);
          retryTimer = setTimeout(() => {
            void qc.invalidateQueries({ queryKey: taskKeys.detail(taskId) });
            open();
          }, delay);
        }
      };
    };

    open();
    return stop;
  }, [taskId, enabled, qc]);

  return { events, status };
}
