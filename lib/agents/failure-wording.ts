/**
 * One wording for every adapter's failures: "<Agent> failed: <what the backend said> (<facts>)".
 * Backends report failures in their own vocabulary (Claude Code's `subtype: "success"` with
 * `is_error: true`, `error_max_turns`, ACP's `refusal` …); people read plain words instead.
 */

/** Result subtypes shared by Claude Code's and Auggie's JSON results. */
const RESULT_SUBTYPES: Record<string, string> = {
  error_during_execution: "failed while working",
  error_max_turns: "stopped at its turn limit",
  error_max_budget_usd: "stopped at its budget limit",
  error_max_structured_output_retries: "could not produce the requested structured output",
};

/** Claude Code's `assistant.error` codes (protocols/claude-code.md). */
const ASSISTANT_ERRORS: Record<string, string> = {
  authentication_failed: "authentication failed",
  rate_limit: "rate limited",
  overloaded: "the API is overloaded",
  billing_error: "billing problem",
  model_not_found: "model not found",
  server_error: "API server error",
  max_output_tokens: "hit the output token limit",
};

/** ACP stop reasons other than end_turn and cancelled. */
const STOP_REASONS: Record<string, string> = {
  max_tokens: "stopped at the token limit",
  max_turn_requests: "stopped at its turn limit",
  refusal: "refused to continue",
};

export function agentFailure(label: string, what: string | undefined, facts: Array<string | undefined> = []): string {
  const known = facts.filter((f): f is string => Boolean(f && f.trim()));
  const detail = what?.trim() ? `: ${what.trim()}` : "";
  return `${label} failed${detail}${known.length > 0 ? ` (${known.join(", ")})` : ""}`;
}

/** A failed Claude Code / Auggie result line as a sentence. */
export function resultFailure(label: string, result: Record<string, unknown>, assistantErrors: string[] = []): string {
  const errors = Array.isArray(result.errors) ? result.errors.filter((e): e is string => typeof e === "string" && e.trim() !== "") : [];
  const text = errors.length > 0 ? errors.join("; ") : typeof result.result === "string" ? result.result : undefined;
  const subtype = typeof result.subtype === "string" ? result.subtype : undefined;
  const how = subtype ? RESULT_SUBTYPES[subtype] : undefined;
  const status = result.api_error_status ? `HTTP ${String(result.api_error_status)}` : undefined;
  const lastError = assistantErrors.at(-1);
  const kind = lastError ? (ASSISTANT_ERRORS[lastError] ?? lastError.replace(/_/g, " ")) : undefined;
  if (how) return `${label} ${how}${text ? `: ${text.trim()}` : ""}${status || kind ? ` (${[status, kind].filter(Boolean).join(", ")})` : ""}`;
  return agentFailure(label, text, [status, kind]);
}

/** An ACP turn that ended without finishing the work, or undefined when it did. */
export function stopReasonFailure(label: string, stopReason: string): string | undefined {
  if (stopReason === "end_turn" || stopReason === "cancelled") return undefined;
  return `${label} ${STOP_REASONS[stopReason] ?? `stopped (${stopReason.replace(/_/g, " ")})`}`;
}
