import { AgentError, networkReason } from "./errors";

/** Read an NDJSON response body line by line (Ollama's /api/chat stream). */
export async function readNdjson(body: ReadableStream<Uint8Array>, onLine: (value: Record<string, unknown>) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let pending = "";
  const flush = (line: string) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new AgentError("protocol_error", `Not a JSON line: ${line.slice(0, 200)}`);
    }
    if (value && typeof value === "object" && !Array.isArray(value)) onLine(value as Record<string, unknown>);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      flush(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  flush(pending + decoder.decode());
}

/** fetch that turns connection failures into "<what> not reachable at <url>: ECONNREFUSED". */
export async function fetchOrUnavailable(what: string, base: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted && !(error instanceof Error && error.name === "TimeoutError")) throw error;
    throw new AgentError("unavailable", `${what} not reachable at ${base}: ${networkReason(error)}`);
  }
}

/** The error text of a JSON error body (`{"error": "..."}`, `{"detail": "..."}`), else the raw text. */
export async function errorText(res: Response): Promise<string> {
  const raw = await res.text().catch(() => "");
  try {
    const body = JSON.parse(raw) as { error?: unknown; detail?: unknown; message?: unknown };
    const value = body.error ?? body.detail ?? body.message;
    if (typeof value === "string") return value;
    if (value !== undefined) return JSON.stringify(value).slice(0, 500);
  } catch {
    // not JSON
  }
  return raw.slice(0, 500) || res.statusText;
}
