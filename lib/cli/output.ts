import Table from "cli-table3";
import { CliError } from "./exit-codes";

/** Where a command writes: JSON for scripts (`--json`), words and tables for people. */
export interface Output {
  json: boolean;
  /** One JSON document (in --json mode), or the human rendering. */
  result(data: unknown, human: () => void): void;
  line(text?: string): void;
  /** Progress and notes for people: stderr, so stdout stays the result; silent in --json mode. */
  note(text: string): void;
  table(head: string[], rows: (string | number | null | undefined)[][]): void;
}

export function createOutput(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    result(data, human) {
      if (json) out.write(`${JSON.stringify(data, null, 2)}\n`);
      else human();
    },
    line(text = "") {
      out.write(`${text}\n`);
    },
    note(text) {
      if (!json) err.write(`${text}\n`);
    },
    table(head, rows) {
      const table = new Table({ head, style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 2 }, chars: BORDERLESS });
      for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))));
      out.write(`${table.toString().replace(/ +$/gm, "")}\n`);
    },
  };
}

const BORDERLESS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "",
};

/** How a failure reaches the person (stderr) or the script (a JSON error body on stdout). */
export function reportError(error: CliError, json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): void {
  if (json) out.write(`${JSON.stringify({ error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } }, null, 2)}\n`);
  else err.write(`clawlink: ${error.message}\n`);
}

export const shortId = (id: string | null | undefined) => (id ? id.slice(0, 8) : "");

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
