"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { goToSignIn, liveSocket } from "../live-socket";
import { isTerminal, taskKeys, type TaskEvent, type TaskState } from "./use-tasks";

/** Every event type the runtime writes to a task's log (each is a named SSE event). */
export const TASK_EVENT_TYPES = ["state", "output", "message", "tool_call", "tool_result", "progress", "usage", "wait", "input", "result", "error"] as const;

export type StreamStatus = "connecting" | "live" | "reconnecting" | "ended";
/** How the events arrive: the page's WebSocket, or SSE when the socket is not available. */
export type LiveTransport = "ws" | "sse";

const MAX_BACKOFF_MS = 15_000;

/**
 * Follow a task's event log: the whole log first, then live events as they are written, until the
 * terminal state event. Over the page's WebSocket (lib/client/live-socket.ts: one socket for every
 * live view, resubscribing after the last seq on reconnect) when the node serves one; otherwise,
 * or if the socket gives up, over SSE (`/api/runtime/tasks/{id}/stream`), reopened with
 * `?after=<last seq>` when closed for good. Either way nothing is lost or shown twice (events are
 * also de-duplicated by seq).
 */
export function useTaskStream(taskId: string, opts: { enabled?: boolean } = {}) {
  const enabled = opts.enabled ?? true;
  const qc = useQueryClient();
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [transport, setTransport] = useState<LiveTransport | null>(null);
  const lastSeq = useRef(0);

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let stopFollowing = () => {};

    const finished = () => {
      setStatus("ended");
      void qc.invalidateQueries({ queryKey: taskKeys.lists() });
      stopFollowing();
    };

    const onEvent = (event: TaskEvent) => {
      if (stopped || event.seq <= lastSeq.current) return;
      lastSeq.current = event.seq;
      setEvents((prev) => [...prev, event]);
      if (event.type === "state" || event.type === "wait" || event.type === "input" || event.type === "result" || event.type === "error") {
        void qc.invalidateQueries({ queryKey: taskKeys.detail(taskId) });
      }
      if (event.type === "state" && event.state && isTerminal(event.state as TaskState)) finished();
    };

    const overSse = () => {
      if (stopped) return;
      const sseStatus = (s: StreamStatus) => {
        if (s === "live") setTransport("sse");
        setStatus(s);
      };
      stopFollowing = followOverSse(taskId, lastSeq, { onEvent, setStatus: sseStatus, isOver: () => {
        const cached = qc.getQueryData<{ state: TaskState; events_count: number }>(taskKeys.detail(taskId));
        return Boolean(cached && isTerminal(cached.state) && lastSeq.current >= cached.events_count);
      }, refresh: () => void qc.invalidateQueries({ queryKey: taskKeys.detail(taskId) }), credentialEnded: () => {
        stopFollowing();
        goToSignIn();
      } });
    };

    const socket = liveSocket();
    if (socket.available) {
      stopFollowing = socket.follow(taskId, lastSeq.current, {
        onEvent,
        onStatus: (s) => {
          if (stopped) return;
          if (s === "live") setTransport("ws");
          setStatus(s);
        },
        onEnded: () => !stopped && setStatus("ended"),
        onUnavailable: overSse,
      });
    } else {
      overSse();
    }
    return () => {
      stopped = true;
      stopFollowing();
    };
  }, [taskId, enabled, qc]);

  return { events, status, transport };
}

/**
 * SSE: the browser resends Last-Event-ID on its own reconnects; when the connection is closed for
 * good (an HTTP error, a proxy timeout) it is reopened here with `?after=`. Returns stop().
 */
function followOverSse(
  taskId: string,
  lastSeq: { current: number },
  on: { onEvent(event: TaskEvent): void; setStatus(status: StreamStatus): void; isOver(): boolean; refresh(): void; credentialEnded(): void },
): () => void {
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let stopped = false;

  const stop = () => {
    stopped = true;
    source?.close();
    clearTimeout(retryTimer);
  };

  const onMessage = (message: MessageEvent<string>) => {
    let event: TaskEvent;
    try {
      event = JSON.parse(message.data) as TaskEvent;
    } catch {
      return;
    }
    // The node's closing `error` event (the credential ended) carries the API's error body, no seq.
    if (typeof event.seq !== "number") {
      if ((event as unknown as { error?: { code?: string } }).error?.code === "unauthenticated") on.credentialEnded();
      return;
    }
    attempts = 0;
    on.onEvent(event);
  };

  const open = () => {
    if (stopped) return;
    source = new EventSource(`/api/runtime/tasks/${taskId}/stream?after=${lastSeq.current}`);
    source.onopen = () => on.setStatus("live");
    for (const type of TASK_EVENT_TYPES) source.addEventListener(type, onMessage as EventListener);
    source.onerror = () => {
      if (stopped) return;
      // The server ends the stream after the terminal event; a finished task has nothing more to send.
      if (on.isOver()) {
        on.setStatus("ended");
        stop();
        return;
      }
      on.setStatus("reconnecting");
      if (source?.readyState === EventSource.CLOSED) {
        attempts += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts);
        retryTimer = setTimeout(() => {
          on.refresh();
          open();
        }, delay);
      }
    };
  };

  open();
  return stop;
}
