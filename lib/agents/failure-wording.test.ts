import { describe, expect, it } from "vitest";
import { agentFailure, resultFailure, stopReasonFailure } from "./failure-wording";

// Backend vocabulary (subtype names, snake_case codes) never reaches the sentence people read.
const RAW = /\b(success|error_[a-z_]+|is_error|[a-z]+_[a-z_]+)\b/;

describe("failure wording", () => {
  it("says 'failed' for an is_error result with subtype success, with the HTTP status and error kind", () => {
    const message = resultFailure("Claude Code", { subtype: "success", is_error: true, api_error_status: 401, result: "Invalid API key · Fix external API key" }, ["authentication_failed"]);
    expect(message).toBe("Claude Code failed: Invalid API key · Fix external API key (HTTP 401, authentication failed)");
    expect(message).not.toMatch(RAW);
  });

  it("turns every known result subtype into words", () => {
    for (const subtype of ["error_during_execution", "error_max_turns", "error_max_budget_usd", "error_max_structured_output_retries"]) {
      const message = resultFailure("Auggie", { subtype, is_error: true, errors: ["a", "b"] }, ["rate_limit"]);
      expect(message).toMatch(/^Auggie [a-z]/);
      expect(message).toContain(": a; b");
      expect(message).not.toMatch(RAW);
    }
    expect(resultFailure("Auggie", { subtype: "error_max_turns", is_error: true })).toBe("Auggie stopped at its turn limit");
  });

  it("words ACP stop reasons and the generic form", () => {
    expect(stopReasonFailure("Goose", "end_turn")).toBeUndefined();
    expect(stopReasonFailure("Goose", "cancelled")).toBeUndefined();
    expect(stopReasonFailure("Goose", "refusal")).toBe("Goose refused to continue");
    expect(stopReasonFailure("Goose", "max_turn_requests")).toBe("Goose stopped at its turn limit");
    expect(stopReasonFailure("Goose", "brand_new_reason")).toBe("Goose stopped (brand new reason)");
    expect(agentFailure("OpenCode", "boom", [undefined, "HTTP 500"])).toBe("OpenCode failed: boom (HTTP 500)");
  });
});
