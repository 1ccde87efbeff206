import { probeBinary } from "./binary";
import { AgentError } from "./errors";
import { exitError, parseJsonLine, spawnAgentProcess } from "./process";
import { GOOSE_KEY_ENV } from "./settings";
import { installSkillsInWorkspace, skillsSystemPrompt } from "./skills";
import type { AgentAdapter, AgentEvent, AgentRunInput, AgentRunResult, AgentSettings } from "./types";

type Json = Record<string, unknown>;
const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Where each goose provider reads its key (goose's own provider env names). */
const PROVIDER_KEY_ENV: Record<string, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
  google: "GOOGLE_API_KEY",
  gemini: "GOOGLE_API_KEY",
  openrouter: "OPENROUTER_API_KEY",
  groq: "GROQ_API_KEY",
  mistral: "MISTRAL_API_KEY",
  xai: "XAI_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
};

/** A prompt that starts with "-" would be read as a flag; a leading space keeps it a value. */
export function argvSafe(prompt: string): string {
  return prompt.startsWith("-") ? ` ${prompt}` : prompt;
}

export function gooseArgs(config: AgentSettings, prompt: string, system: string | undefined): string[] {
  const args = ["run", "-t", argvSafe(prompt), "--output-format", "stream-json", "--no-session"];
  if (typeof config.maxTurns === "number") args.push("--max-turns", String(config.maxTurns));
  if (text(config.provider)) args.push("--provider", text(config.provider)!);
  if (text(config.model)) args.push("--model", text(config.model)!);
  if (system) args.push("--system", system);
  return args;
}

export function gooseEnv(config: AgentSettings): Record<string, string | undefined> {
  const provider = text(config.provider)?.toLowerCase();
  const keyEnv = text(config.apiKeyEnv) ?? (provider ? PROVIDER_KEY_ENV[provider] : undefined);
  return {
    // stream-json has no approval channel; approve/smart_approve fail headless (protocols/goose.md).
    GOOSE_MODE: "auto",
    GOOSE_PROVIDER: text(config.provider),
    GOOSE_MODEL: text(config.model),
    OLLAMA_HOST: text(config.ollamaHost),
    ...(keyEnv && GOOSE_KEY_ENV.test(keyEnv) ? { [keyEnv]: text(config.apiKey) } : {}),
  };
}

/** Folds goose StreamEvents into normalised events; fragments sharing a message id form one message. */
export class GooseStream {
  error: string | undefined;
  complete: Json | undefined;
  finalText = "";
  private current: { id: string | null; text: string } | undefined;

  constructor(private readonly emit: (event: AgentEvent) => void) {}

  handle(line: Json): void {
    switch (line.type) {
      case "message":
        return this.message(obj(line.message));
      case "notification": {
        const progress = obj(line.progress);
        const log = text(obj(line.log)?.message);
        const ext = text(line.extension_id) ?? "goose";
        if (progress) {
          const done = num(progress.progress);
          const total = num(progress.total);
          this.emit({
            type: "progress",
            message: `${ext}: ${text(progress.message) ?? "working"}`,
            percent: done !== undefined && total ? Math.round((done / total) * 100) : undefined,
          });
        } else if (log) this.emit({ type: "progress", message: `${ext}: ${log}` });
        return;
      }
      case "model_change":
        return this.emit({ type: "progress", message: `Model ${String(line.model)} (${String(line.mode)})` });
      case "error":
        this.flush();
        this.error = text(line.error) ?? "goose reported an error";
        return this.emit({ type: "error", message: this.error });
      case "complete":
        this.flush();
        this.complete = line;
        return this.emit({
          type: "usage",
          inputTokens: num(line.input_tokens),
          outputTokens: num(line.output_tokens),
          costUsd: num(line.cost_usd),
        });
      default:
        return;
    }
  }

  flush(): void {
    if (this.current && this.current.text) {
      this.emit({ type: "message", role: "assistant", text: this.current.text });
      this.finalText = this.current.text;
    }
    this.current = undefined;
  }

  private message(message: Json | undefined): void {
    if (!message) return;
    const id = typeof message.id === "string" ? message.id : null;
    const role = message.role;
    if (role === "assistant" && (!this.current || this.current.id !== id || id === null)) {
      this.flush();
      this.current = { id, text: "" };
    }
    for (const item of Array.isArray(message.content) ? message.content : []) {
      const c = obj(item);
      if (!c) continue;
      if (c.type === "text" && role === "assistant" && typeof c.text === "string") {
        // Text meant only for the model (annotations.audience = ["assistant"]) is not shown.
        const audience = obj(c.annotations)?.audience;
        if (Array.isArray(audience) && !audience.includes("user")) continue;
        this.current!.text += c.text;
        this.emit({ type: "output", text: c.text, stream: "assistant" });
      } else if (c.type === "toolRequest") {
        const call = obj(c.toolCall);
        const value = obj(call?.value);
        this.emit({ type: "tool_call", id: text(c.id), name: text(value?.name) ?? "tool", input: value?.arguments ?? call?.error });
      } else if (c.type === "toolResponse") {
        const result = obj(c.toolResult);
        const value = result?.value;
        const content = Array.isArray(value) ? value : obj(value)?.content;
        const isError = result?.status === "error" || obj(value)?.isError === true;
        this.emit({ type: "tool_result", id: text(c.id), output: result?.status === "error" ? result.error : contentText(content), isError });
      } else if (c.type === "systemNotification" && text(c.msg)) {
        this.emit({ type: "progress", message: text(c.msg)! });
      } else if (c.type === "actionRequired") {
        const data = obj(c.data);
        this.emit({ type: "progress", message: `goose asked for ${String(data?.actionType ?? "an action")}: ${String(data?.prompt ?? data?.toolName ?? "")}`.trim() });
      }
    }
  }
}

function contentText(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((c) => (obj(c)?.type === "text" ? String(obj(c)!.text ?? "") : `[${String(obj(c)?.type ?? "content")}]`)).join("\n");
}

export const gooseAgent: AgentAdapter = {
  type: "goose",
  displayName: "Goose",
  description: "Block's open-source goose agent (goose run, stream-json) in the task's workspace",
  backend: "goose CLI (stream-json)",
  async probe(config) {
    return probeBinary(text(config.bin) ?? "goose", "GOOSE_BIN");
  },
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    const { config, emit, signal } = input;
    const bin = text(config.bin) ?? "goose";
    const idleTimeoutMs = Number(config.idleTimeoutSeconds ?? 0) * 1000;
    // goose discovers project skills in .agents/skills/ and also gets the instructions as its system prompt.
    const cleanup = await installSkillsInWorkspace(input.workspace, ".agents/skills", input.skills);
    const stream = new GooseStream(emit);
    try {
      const child = spawnAgentProcess({
        bin,
        args: gooseArgs(config, input.prompt, skillsSystemPrompt(input.skills)),
        cwd: input.workspace,
        env: gooseEnv(config),
        signal,
        idleTimeoutMs,
        onLine: (raw) => {
          const line = parseJsonLine(raw);
          if (line) stream.handle(line);
          else emit({ type: "output", text: `${raw}\n`, stream: "stdout" });
        },
      });
      const exit = await child.exited;
      stream.flush();
      if (exit.reason !== "exit") throw exitError(exit, "goose", { bin, idleTimeoutMs, cwd: input.workspace });
      // Old goose: error then complete with exit 0; new goose: error and a non-zero exit. Both fail.
      if (stream.error) throw new AgentError("backend_error", `goose: ${stream.error}`, exit.stderr ? { stderr: exit.stderr } : undefined);
      if (exit.code !== 0) throw exitError(exit, "goose", { bin, idleTimeoutMs, cwd: input.workspace });
      if (!stream.complete) throw new AgentError("protocol_error", "goose exited without a complete event");
      return { output: stream.finalText, data: { total_tokens: stream.complete.total_tokens ?? null } };
    } finally {
      await cleanup();
    }
  },
};
