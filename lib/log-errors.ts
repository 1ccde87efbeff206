/**
 * What of an error may be logged. A failed query's error carries its SQL parameters (drizzle puts
 * them in the message and in `params`; PGlite and postgres.js in `params`/`parameters`, and
 * PostgreSQL's `detail` echoes the offending row values), and those include password and token
 * hashes and request bodies. So an error is logged as an allow-list: its type, a message with the
 * parameters cut off, the stack frames (never the message copy inside the stack), the database's
 * error code and the names of the constraint/table/column, and its cause the same way.
 */

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  cause?: SafeError | string;
}

const MAX_CAUSES = 4;
const NAMES = ["constraint", "constraint_name", "table", "table_name", "column", "column_name"] as const;

export function safeError(value: unknown): unknown {
  return safe(value, 0);
}

function safe(value: unknown, depth: number): SafeError | string | unknown {
  if (!(value instanceof Error) && !looksLikeError(value)) {
    // Not an error (someone logged a plain value under `err`): keep primitives, drop objects.
    return value === null || typeof value !== "object" ? value : "[non-error object]";
  }
  const error = value as Error & Record<string, unknown>;
  const type = typeof error.name === "string" ? error.name : (error.constructor?.name ?? "Error");
  const message = safeMessage(String(error.message ?? ""));
  const out: SafeError = { type, message };
  const frames = typeof error.stack === "string" ? error.stack.split("\n").filter((line) => /^\s+at /.test(line)) : [];
  if (frames.length > 0) out.stack = [`${type}: ${message}`, ...frames].join("\n");
  if (typeof error.code === "string" || typeof error.code === "number") out.code = String(error.code);
  for (const name of NAMES) {
    const v = error[name];
    if (typeof v === "string") out[name.replace("_name", "") as "constraint" | "table" | "column"] = v;
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) out.cause = safe(error.cause, depth + 1) as SafeError | string;
  return out;
}

function looksLikeError(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string" && "stack" in value;
}

/** drizzle's "Failed query: <sql>\nparams: <values>": the SQL (placeholders only) stays, the values go. */
function safeMessage(message: string): string {
  const cut = message.search(/\n\s*params:/);
  return (cut === -1 ? message : message.slice(0, cut)).slice(0, 2000);
}
