import { AgentError, cancelledError, networkReason } from "./errors";
import { errorText, fetchOrUnavailable, readNdjson } from "./http";
import { skillsSystemPrompt } from "./skills";
import type { AgentAdapter, AgentProbe, AgentRunInput, AgentRunResult, AgentSettings } from "./types";

const PROBE_TIMEOUT_MS = 3000;
const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * The base URL from OLLAMA_HOST-style values: "0.0.0.0:11434" (what the server binds) and
 * a missing scheme are normalised so the same variable works for server and client.
 */
export function ollamaBaseUrl(config: AgentSettings): string {
  let host = text(config.host) ?? "http://127.0.0.1:11434";
  const hadScheme = /^https?:\/\//.test(host);
  if (!hadScheme) host = `http://${host}`;
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new AgentError("not_configured", `OLLAMA_HOST is not a valid URL: ${host}`);
  }
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  // A bare "host" means Ollama's default port; an explicit URL is taken as given.
  if (!hadScheme && !url.port) url.port = "11434";
  return url.toString().replace(/\/+$/, "");
}

function headers(config: AgentSettings): Record<string, string> {
  const key = text(config.apiKey);
  return { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

export interface OllamaModel {
  name: string;
  size?: number;
  modified_at?: string;
  parameter_size?: string;
  quantization_level?: string;
  family?: string;
}

/** Local models from GET /api/tags, for the UI's model picker. */
export async function ollamaModels(config: AgentSettings, signal?: AbortSignal): Promise<OllamaModel[]> {
  const base = ollamaBaseUrl(config);
  const res = await fetchOrUnavailable("Ollama", base, `${base}/api/tags`, {
    headers: headers(config),
    signal: signal ?? AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  if (!res.ok) throw new AgentError("backend_error", `Ollama at ${base} answered ${res.status}: ${await errorText(res)}`);
  const body = (await res.json()) as { models?: Array<Record<string, unknown>> };
  return (body.models ?? []).map((m) => {
    const details = (m.details ?? {}) as Record<string, unknown>;
    return {
      name: String(m.name ?? m.model ?? ""),
      size: num(m.size),
      modified_at: text(m.modified_at),
      parameter_size: text(details.parameter_size),
      quantization_level: text(details.quantization_level),
      family: text(details.family),
    };
  });
}

/** Reachable (GET /api/version), and the configured model pulled (GET /api/tags). */
async function probeOllama(config: AgentSettings): Promise<AgentProbe> {
  let base: string;
  try {
    base = ollamaBaseUrl(config);
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
  let version: string | undefined;
  try {
    const res = await fetch(`${base}/api/version`, { headers: headers(config), signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if (!res.ok) return { available: false, reason: `Ollama at ${base} answered ${res.status} to /api/version` };
    version = text(((await res.json()) as { version?: unknown }).version);
    const model = text(config.model);
    if (model) {
      const models = await ollamaModels(config);
      const names = new Set(models.flatMap((m) => [m.name, m.name.replace(/:latest$/, "")]));
      if (!names.has(model) && !names.has(model.replace(/:latest$/, ""))) {
        return { available: false, reason: `Model ${model} is not pulled on ${base} (ollama pull ${model})`, version };
      }
    }
    return { available: true, version };
  } catch (error) {
    if (error instanceof AgentError) return { available: false, reason: error.message, version };
    return { available: false, reason: `Ollama not reachable at ${base}: ${networkReason(error)}` };
  }
}

export const ollamaAgent: AgentAdapter = {
  type: "ollama",
  displayName: "Ollama",
  description: "A local model served by Ollama, streamed from /api/chat",
  backend: "Ollama /api/chat (NDJSON)",
  probe: probeOllama,
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    const { config, emit, signal } = input;
    const base = ollamaBaseUrl(config);
    const model = text(config.model);
    if (!model) throw new AgentError("not_configured", "OLLAMA_MODEL not set");
    const system = skillsSystemPrompt(input.skills, text(config.systemPrompt));
    const messages = [...(system ? [{ role: "system", content: system }] : []), { role: "user", content: input.prompt }];
    let answer = "";
    let final: Record<string, unknown> | undefined;
    try {
      const res = await fetchOrUnavailable("Ollama", base, `${base}/api/chat`, {
        method: "POST",
        headers: headers(config),
        body: JSON.stringify({ model, messages, stream: true, ...(text(config.keepAlive) ? { keep_alive: text(config.keepAlive) } : {}) }),
        signal,
      });
      if (!res.ok) {
        const detail = await errorText(res);
        const hint = res.status === 404 && /not found/i.test(detail) ? ` (ollama pull ${model})` : "";
        throw new AgentError("backend_error", `Ollama ${res.status}: ${detail}${hint}`);
      }
      if (!res.body) throw new AgentError("protocol_error", "Ollama sent no response body");
      await readNdjson(res.body, (chunk) => {
        // After output has started, errors arrive as one more line with status 200.
        if (typeof chunk.error === "string") throw new AgentError("backend_error", `Ollama: ${chunk.error}`);
        const message = (chunk.message ?? {}) as Record<string, unknown>;
        if (typeof message.content === "string" && message.content !== "") {
          answer += message.content;
          emit({ type: "output", text: message.content, stream: "assistant" });
        }
        for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
          const fn = ((call as Record<string, unknown>).function ?? {}) as Record<string, unknown>;
          emit({ type: "tool_call", id: text((call as Record<string, unknown>).id), name: text(fn.name) ?? "tool", input: fn.arguments });
        }
        if (chunk.done === true) final = chunk;
      });
    } catch (error) {
      if (signal.aborted) throw cancelledError();
      if (error instanceof AgentError) throw error;
      throw new AgentError("unavailable", `Ollama stream from ${base} broke: ${networkReason(error)}`);
    }
    if (!final) throw new AgentError("protocol_error", `Ollama stream from ${base} ended without done:true`);
    emit({ type: "message", role: "assistant", text: answer });
    emit({ type: "usage", inputTokens: num(final.prompt_eval_count), outputTokens: num(final.eval_count), model: text(final.model) ?? model });
    if (final.done_reason === "length") emit({ type: "progress", message: "Stopped at the context/num_predict limit" });
    return { output: answer, data: { model: text(final.model) ?? model, done_reason: final.done_reason, total_duration_ns: final.total_duration } };
  },
};
