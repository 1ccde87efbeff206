import { probeBinary } from "./binary";
import { AgentError } from "./errors";
import { argvSafe } from "./goose";
import { exitError, lastLines, parseJsonLine, spawnAgentProcess } from "./process";
import { installSkillsInWorkspace } from "./skills";
import type { AgentAdapter, AgentRunInput, AgentRunResult, AgentSettings } from "./types";

type Json = Record<string, unknown>;
const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export function auggieArgs(config: AgentSettings, prompt: string, workspace: string): string[] {
  // Print mode: one-shot; the indexing confirmation is skipped (protocols/auggie.md).
  const args = ["--print", argvSafe(prompt), "--output-format", "json", "--workspace-root", workspace, "--show-cost"];
  if (text(config.model)) args.push("--model", text(config.model)!);
  if (typeof config.maxTurns === "number") args.push("--max-turns", String(config.maxTurns));
  return args;
}

export const auggieAgent: AgentAdapter = {
  type: "auggie",
  displayName: "Auggie (Augment CLI)",
  description: "Augment Code's auggie CLI in print mode, working in the task's workspace",
  backend: "auggie CLI (--print, JSON result)",
  async probe(config) {
    return probeBinary(text(config.bin) ?? "auggie", "AUGGIE_BIN");
  },
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    const { config, emit, signal } = input;
    const bin = text(config.bin) ?? "auggie";
    const idleTimeoutMs = Number(config.idleTimeoutSeconds ?? 0) * 1000;
    // Auggie discovers workspace skills in .augment/skills/<name>/SKILL.md.
    const cleanup = await installSkillsInWorkspace(input.workspace, ".augment/skills", input.skills);
    let result: Json | undefined;
    try {
      emit({ type: "progress", message: "auggie is working (print mode reports once, at the end)" });
      const child = spawnAgentProcess({
        bin,
        args: auggieArgs(config, input.prompt, input.workspace),
        cwd: input.workspace,
        env: { AUGMENT_SESSION_AUTH: text(config.sessionAuth) },
        signal,
        idleTimeoutMs,
        onLine: (raw) => {
          const line = parseJsonLine(raw);
          if (line?.type === "result") result = line;
          else emit({ type: "output", text: `${raw}\n`, stream: "stdout" });
        },
      });
      const exit = await child.exited;
      if (exit.reason !== "exit") throw exitError(exit, "auggie", { bin, idleTimeoutMs, cwd: input.workspace });
      if (!result) {
        if (exit.code !== 0) throw exitError(exit, "auggie", { bin, idleTimeoutMs, cwd: input.workspace });
        throw new AgentError("protocol_error", "auggie exited without a result line", exit.stderr ? { stderr: lastLines(exit.stderr, 5) } : undefined);
      }
      const answer = typeof result.result === "string" ? result.result : "";
      const billing = (result.billing ?? undefined) as Json | undefined;
      if (billing && billing.usage_unit === "usd" && typeof billing.total_cost === "number") emit({ type: "usage", costUsd: billing.total_cost });
      if (result.is_error === true) {
        throw new AgentError("backend_error", `auggie ${String(result.subtype ?? "error")}${answer ? `: ${answer}` : ""}`, { session_id: result.session_id });
      }
      if (answer) {
        emit({ type: "output", text: answer, stream: "assistant" });
        emit({ type: "message", role: "assistant", text: answer });
      }
      return {
        output: answer,
        data: { session_id: result.session_id, num_turns: result.num_turns, subtype: result.subtype, request_id: result.request_id },
      };
    } finally {
      await cleanup();
    }
  },
};
