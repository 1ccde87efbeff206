/** Validate the optional JSON context of a task before it is sent: empty, or a JSON object. */
export function parseContext(text: string): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!trimmed) return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "The context must be a JSON object, like {\"branch\": \"main\"}" };
  return { ok: true, value: value as Record<string, unknown> };
}
