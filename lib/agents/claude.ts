import type Anthropic from "@anthropic-ai/sdk";
import { AgentError, cancelledError, networkReason } from "./errors";
import { skillsSystemPrompt } from "./skills";
import type { AgentAdapter, AgentRunInput, AgentRunResult, AgentSettings } from "./types";

const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

type Sdk = typeof import("@anthropic-ai/sdk");
/**
 * The SDK is loaded on the first run, not when the adapter is registered: every node registers it,
 * few run it, and it is about 5 MB of heap in each module graph that imports this file.
 */
let sdk: Sdk | undefined;
const loadSdk = async (): Promise<Sdk> => (sdk ??= await import("@anthropic-ai/sdk"));

function client({ default: Anthropic }: Sdk, config: AgentSettings): Anthropic {
  return new Anthropic({
    apiKey: text(config.apiKey),
    baseURL: text(config.baseUrl) ?? "https://api.anthropic.com",
    maxRetries: typeof config.maxRetries === "number" ? config.maxRetries : 2,
    // Never fall back to tokens or profiles from the server's own environment.
    authToken: null,
  });
}

/** "authentication_error: invalid x-api-key (HTTP 401)" from the SDK's error shapes. */
export function describeApiError(error: unknown): string {
  if (sdk && error instanceof sdk.APIError) {
    const body = (error.error ?? {}) as { error?: { type?: string; message?: string } };
    const kind = body.error?.type;
    const message = body.error?.message ?? error.message;
    return `${kind ? `${kind}: ` : ""}${message}${error.status ? ` (HTTP ${error.status})` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export const claudeAgent: AgentAdapter = {
  type: "claude",
  displayName: "Claude (API)",
  description: "Anthropic's Messages API, streamed; answers from the model without touching the workspace",
  backend: "Anthropic Messages API",
  async probe(config) {
    if (!text(config.apiKey)) return { available: false, reason: "ANTHROPIC_API_KEY not set" };
    // No network call: listing agents must not spend API requests; a bad key shows on the first run.
    return { available: true };
  },
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    const { config, emit, signal } = input;
    if (!text(config.apiKey)) throw new AgentError("not_configured", "ANTHROPIC_API_KEY not set");
    const model = text(config.model) ?? "claude-sonnet-5-5";
    const system = skillsSystemPrompt(input.skills, text(config.systemPrompt));
    const api = await loadSdk();
    if (signal.aborted) throw cancelledError();
    const stream = client(api, config).messages.stream(
      {
        model,
        max_tokens: typeof config.maxTokens === "number" ? config.maxTokens : 8192,
        ...(system ? { system } : {}),
        messages: [{ role: "user", content: input.prompt }],
      },
      { signal },
    );
    stream.on("text", (delta) => emit({ type: "output", text: delta, stream: "assistant" }));
    try {
      const message = await stream.finalMessage();
      const answer = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
      emit({ type: "message", role: "assistant", text: answer });
      emit({ type: "usage", inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens, model: message.model });
      if (message.stop_reason === "max_tokens") emit({ type: "progress", message: "Stopped at the max tokens limit" });
      return { output: answer, data: { model: message.model, stop_reason: message.stop_reason, message_id: message.id } };
    } catch (error) {
      if (signal.aborted || error instanceof api.APIUserAbortError) throw cancelledError();
      if (error instanceof api.APIConnectionError) {
        throw new AgentError("unavailable", `Anthropic API not reachable at ${text(config.baseUrl) ?? "https://api.anthropic.com"}: ${networkReason(error)}`);
      }
      throw new AgentError("backend_error", `Anthropic API: ${describeApiError(error)}`);
    }
  },
};
