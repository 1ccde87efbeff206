"use client";

import { useEffect, useRef } from "react";
import { displayValue } from "@/lib/client/format";
import type { TaskEvent } from "@/lib/client/hooks/use-tasks";

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : displayValue(v));

/** One log entry, rendered by type: text as it streams, tool calls and results as blocks. */
function EventEntry({ event }: { event: TaskEvent }) {
  const d = event.data;
  switch (event.type) {
    case "output":
      return <span className={d.stream === "stderr" ? "text-red-300" : d.stream === "assistant" ? "text-slate-50" : "text-slate-300"}>{str(d.text)}</span>;
    case "message":
      return (
        <div className="my-1 border-l-2 border-slate-600 pl-2 text-slate-200">
          <span className="text-xs uppercase text-slate-500">{str(d.role)}</span> {str(d.text)}
        </div>
      );
    case "tool_call":
      return (
        <details className="my-1 rounded border border-sky-800 bg-sky-950/60 px-2 py-1" data-testid="event-tool-call" open>
          <summary className="cursor-pointer text-sky-300">⚙ {str(d.name)}</summary>
          {d.input !== undefined ? <pre className="mt-1 whitespace-pre-wrap text-xs text-sky-100">{displayValue(d.input)}</pre> : null}
        </details>
      );
    case "tool_result":
      return (
        <details className={`my-1 rounded border px-2 py-1 ${d.is_error ? "border-red-800 bg-red-950/60" : "border-emerald-800 bg-emerald-950/50"}`} data-testid="event-tool-result">
          <summary className={`cursor-pointer ${d.is_error ? "text-red-300" : "text-emerald-300"}`}>↳ {d.name ? str(d.name) : "result"}{d.is_error ? " (error)" : ""}</summary>
          <pre className="mt-1 whitespace-pre-wrap text-xs text-slate-100">{displayValue(d.output)}</pre>
        </details>
      );
    case "progress":
      return (
        <div className="my-0.5 text-xs text-violet-300">
          … {str(d.message)}
          {typeof d.percent === "number" ? ` (${d.percent}%)` : ""}
        </div>
      );
    case "usage":
      return (
        <div className="my-0.5 text-xs text-slate-500">
          usage: {d.input_tokens !== undefined ? `${str(d.input_tokens)} in` : ""} {d.output_tokens !== undefined ? `${str(d.output_tokens)} out` : ""} {d.model ? `· ${str(d.model)}` : ""}
          {typeof d.cost_usd === "number" ? ` · $${d.cost_usd.toFixed(4)}` : ""}
        </div>
      );
    case "wait":
      return <div className="my-1 rounded border border-amber-700 bg-amber-950/60 px-2 py-1 text-amber-200">⏸ {d.kind === "approval" ? "Approval needed" : "Question"}: {str(d.prompt)}</div>;
    case "input":
      return (
        <div className="my-1 text-amber-300">
          ↩ {typeof d.approved === "boolean" ? (d.approved ? "Approved" : "Denied") : "Answered"}
          {d.text ? `: ${str(d.text)}` : ""} {d.answered_by ? <span className="text-slate-500">by {str(d.answered_by)}</span> : null}
        </div>
      );
    case "error":
      return <div className="my-1 text-red-300">✖ {str(d.message)}</div>;
    case "result":
      return null;
    case "state":
      return (
        <div className="my-1 text-xs text-slate-500">
          — {event.state}
          {d.reason ? ` (${str(d.reason)})` : ""} —
        </div>
      );
    default:
      return <div className="my-0.5 text-xs text-slate-500">{event.type}: {displayValue(d)}</div>;
  }
}

/**
 * The live output of a task, in a terminal-like panel. It keeps scrolled to the bottom while
 * new events arrive, unless the reader scrolled up to look at something.
 */
export function EventLog({ events, live }: { events: TaskEvent[]; live: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <div
      ref={ref}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
      className="max-h-[32rem] min-h-40 overflow-y-auto rounded-md bg-slate-900 p-3 font-mono text-sm leading-relaxed"
      data-testid="task-output"
      role="log"
      aria-live="polite"
      aria-label="Task output"
      tabIndex={0}
    >
      {events.length === 0 ? <p className="text-slate-500">{live ? "Waiting for output…" : "No output."}</p> : null}
      <div className="whitespace-pre-wrap break-words">
        {events.map((e) => (
          <EventEntry key={e.seq} event={e} />
        ))}
      </div>
      {live ? <span className="inline-block h-4 w-2 animate-pulse bg-slate-400 align-middle" aria-hidden /> : null}
    </div>
  );
}
