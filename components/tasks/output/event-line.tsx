import { displayValue } from "@/lib/client/format";
import type { TaskEvent } from "@/lib/client/hooks/use-tasks";
import { Markdown } from "./markdown";
import { OrphanResult } from "./tool-card";

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : displayValue(v));

/** A log entry that is neither streamed text nor a tool call: messages, progress, waits, answers, states. */
export function EventLine({ event }: { event: TaskEvent }) {
  const d = event.data;
  switch (event.type) {
    case "message":
      return (
        <div className="my-1 border-l-2 border-slate-600 pl-2 text-slate-200">
          <span className="text-xs uppercase text-slate-400">{str(d.role)}</span>
          <Markdown text={str(d.text)} />
        </div>
      );
    case "tool_result":
      return <OrphanResult event={event} />;
    case "progress":
      return (
        <div className="my-0.5 whitespace-pre-wrap break-words text-xs text-violet-300">
          … {str(d.message)}
          {typeof d.percent === "number" ? ` (${d.percent}%)` : ""}
        </div>
      );
    case "usage":
      return (
        <div className="my-0.5 text-xs text-slate-400">
          usage: {d.input_tokens !== undefined ? `${str(d.input_tokens)} in` : ""} {d.output_tokens !== undefined ? `${str(d.output_tokens)} out` : ""} {d.model ? `· ${str(d.model)}` : ""}
          {typeof d.cost_usd === "number" ? ` · $${d.cost_usd.toFixed(4)}` : ""}
        </div>
      );
    case "wait":
      return (
        <div className="my-1 whitespace-pre-wrap rounded border border-amber-700 bg-amber-950/60 px-2 py-1 text-amber-200">
          ⏸ {d.kind === "approval" ? "Approval needed" : "Question"}: {str(d.prompt)}
        </div>
      );
    case "input":
      return (
        <div className="my-1 text-amber-300">
          ↩ {typeof d.approved === "boolean" ? (d.approved ? "Approved" : "Denied") : "Answered"}
          {d.text ? `: ${str(d.text)}` : ""} {d.answered_by ? <span className="text-slate-400">by {str(d.answered_by)}</span> : null}
        </div>
      );
    case "error":
      return <div className="my-1 whitespace-pre-wrap text-red-300">✖ {str(d.message)}</div>;
    case "state":
      return (
        <div className="my-1 text-xs text-slate-400">
          — {event.state}
          {d.reason ? ` (${str(d.reason)})` : ""} —
        </div>
      );
    default:
      return (
        <div className="my-0.5 text-xs text-slate-400">
          {event.type}: {displayValue(d)}
        </div>
      );
  }
}
