import { displayValue } from "../format";
import type { TaskEvent } from "../hooks/use-tasks";

/** The log as plain text, the way a terminal would have shown it. */
export function logToText(events: readonly TaskEvent[]): string {
  let out = "";
  const line = (s: string) => {
    if (out && !out.endsWith("\n")) out += "\n";
    out += `${s}\n`;
  };
  for (const e of events) {
    const d = e.data;
    const s = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : displayValue(v));
    switch (e.type) {
      case "output":
        out += s(d.text);
        break;
      case "message":
        line(`[${s(d.role)}] ${s(d.text)}`);
        break;
      case "tool_call":
        line(`⚙ ${s(d.name)}${d.input !== undefined ? ` ${displayValue(d.input)}` : ""}`);
        break;
      case "tool_result":
        line(`↳ ${s(d.name) || "result"}${d.is_error ? " (error)" : ""}: ${s(d.output)}`);
        break;
      case "progress":
        line(`… ${s(d.message)}`);
        break;
      case "wait":
        line(`⏸ ${s(d.prompt)}`);
        break;
      case "input":
        line(`↩ ${typeof d.approved === "boolean" ? (d.approved ? "approved" : "denied") : "answered"}${d.text ? `: ${s(d.text)}` : ""}`);
        break;
      case "error":
        line(`✖ ${s(d.message)}`);
        break;
      case "state":
        line(`— ${e.state ?? ""}${d.reason ? ` (${s(d.reason)})` : ""} —`);
        break;
      default:
        break;
    }
  }
  return out;
}

/** One JSON event per line, exactly as the API returns them. */
export function logToJsonl(events: readonly TaskEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + (events.length ? "\n" : "");
}
