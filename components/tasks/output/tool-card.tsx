"use client";

import { memo } from "react";
import { displayValue } from "@/lib/client/format";
import type { TaskEvent } from "@/lib/client/hooks/use-tasks";
import { toolEdit } from "@/lib/client/output/tool-edit";
import { openChangedFile } from "@/lib/client/output/changed-file";

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : displayValue(v));

/** A short line saying what the call does: its file, command, query or URL. */
function gist(input: unknown): string {
  if (!input || typeof input !== "object") return typeof input === "string" ? input : "";
  const d = input as Record<string, unknown>;
  const raw = d.raw_input && typeof d.raw_input === "object" ? (d.raw_input as Record<string, unknown>) : {};
  for (const key of ["file_path", "path", "command", "pattern", "query", "url", "description"]) {
    const v = d[key] ?? raw[key];
    if (typeof v === "string" && v) return v;
  }
  if (Array.isArray(d.locations) && typeof d.locations[0] === "string") return d.locations[0];
  return "";
}

/** One tool call and its result as a collapsible card; an edit shows its file, diff and a link to the Changes view. */
export const ToolCard = memo(function ToolCard({ call, result }: { call: TaskEvent; result: TaskEvent | null }) {
  const name = str(call.data.name) || "tool";
  const edits = toolEdit(call.data.name, call.data.input);
  const failed = Boolean(result?.data.is_error);
  const status = !result ? "running" : failed ? "error" : "done";
  const summary = gist(call.data.input);
  return (
    <details
      className={`my-1.5 rounded-md border px-2 py-1 ${failed ? "border-red-800 bg-red-950/50" : "border-sky-800 bg-sky-950/50"}`}
      data-testid="event-tool-call"
      data-status={status}
    >
      <summary className="cursor-pointer select-none text-sky-200">
        <span aria-hidden>⚙ </span>
        <span className="font-semibold">{name}</span>
        {summary ? <span className="ml-2 break-all text-sky-100/80">{summary.length > 160 ? `${summary.slice(0, 160)}…` : summary}</span> : null}
        <span className={`ml-2 text-xs ${status === "error" ? "text-red-300" : status === "running" ? "text-amber-300" : "text-emerald-300"}`} data-testid="tool-status">
          {status === "running" ? "running…" : status === "error" ? "failed" : "done"}
        </span>
      </summary>
      <div className="space-y-2 pb-1 pt-2 text-xs">
        {edits.map((edit) => (
          <div key={edit.path} className="rounded border border-slate-700" data-testid="tool-edit" data-path={edit.path}>
            <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-700 px-2 py-1">
              <code className="break-all text-slate-100">{edit.path}</code>
              <a
                href={`#changes:${edit.path}`}
                onClick={(e) => {
                  e.preventDefault();
                  openChangedFile(edit.path);
                }}
                className="text-sky-300 underline"
                data-testid="tool-edit-link"
              >
                View in Changes
              </a>
            </div>
            {edit.lines.length ? (
              <pre className="max-h-80 overflow-auto py-1">
                {edit.lines.map((l, i) => (
                  <span key={i} className={`block px-2 ${l.kind === "add" ? "bg-emerald-900/50 text-emerald-100" : "bg-rose-900/50 text-rose-100"}`}>
                    {l.kind === "add" ? "+ " : "- "}
                    {l.text}
                  </span>
                ))}
              </pre>
            ) : null}
          </div>
        ))}
        {call.data.input !== undefined ? (
          <div>
            <p className="text-[10px] uppercase tracking-wide text-slate-400">Input</p>
            <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-words text-sky-100">{displayValue(call.data.input)}</pre>
          </div>
        ) : null}
        {result ? (
          <div data-testid="event-tool-result">
            <p className={`text-[10px] uppercase tracking-wide ${failed ? "text-red-300" : "text-slate-400"}`}>{failed ? "Error" : "Result"}</p>
            <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-words text-slate-100">{displayValue(result.data.output)}</pre>
          </div>
        ) : null}
      </div>
    </details>
  );
});

/** A result whose call is not in the log (it started before the page was opened, or has no id). */
export function OrphanResult({ event }: { event: TaskEvent }) {
  const d = event.data;
  return (
    <details className={`my-1 rounded border px-2 py-1 ${d.is_error ? "border-red-800 bg-red-950/60" : "border-emerald-800 bg-emerald-950/50"}`} data-testid="event-tool-result">
      <summary className={`cursor-pointer ${d.is_error ? "text-red-300" : "text-emerald-300"}`}>
        ↳ {d.name ? str(d.name) : "result"}
        {d.is_error ? " (error)" : ""}
      </summary>
      <pre className="mt-1 whitespace-pre-wrap text-xs text-slate-100">{displayValue(d.output)}</pre>
    </details>
  );
}
