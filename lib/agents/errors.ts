/**
 * Why an agent run failed, in a form the engine can store as the task's error_code.
 * The message is shown to people; it never carries secrets.
 */
export type AgentErrorCode =
  | "not_configured" // a required setting (API key, URL) is missing
  | "unavailable" // binary not found, server unreachable
  | "backend_error" // the backend reported a failure (HTTP error, error event, is_error result)
  | "protocol_error" // the backend broke its wire format (stream ended early, bad JSON)
  | "idle_timeout" // the watchdog saw no output for too long
  | "cancelled"; // the run's signal was aborted

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  readonly detail?: unknown;

  constructor(code: AgentErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = "AgentError";
    this.code = code;
    this.detail = detail;
  }
}

export function isAgentError(value: unknown): value is AgentError {
  return value instanceof AgentError;
}

export function cancelledError(): AgentError {
  return new AgentError("cancelled", "Cancelled");
}

/** `ECONNREFUSED` style code of a failed fetch (undici wraps it in `cause`), else the message. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  return error instanceof Error ? error.message : String(error);
}
