import { randomUUID } from "node:crypto";
import { probeBinary } from "../binary";
import { AgentError } from "../errors";
import { resultFailure } from "../failure-wording";
import { exitError, parseJsonLine, spawnAgentProcess, type AgentProcess } from "../process";
import { installSkillsInWorkspace } from "../skills";
import type { AgentAdapter, AgentRunInput, AgentRunResult, AgentSettings, HumanAnswer } from "../types";
import { ClaudeCodeStream, resultFailed } from "./stream";

type Json = Record<string, unknown>;

const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** A follow-up task continues the CLI session named in its context (set from a previous result). */
export function resumeSessionId(context: Record<string, unknown>): string | undefined {
  const id = context.resume_session_id ?? context.resumeSessionId ?? context.claude_session_id;
  return typeof id === "string" && /^[A-Za-z0-9-]{8,100}$/.test(id) ? id : undefined;
}

export function claudeCodeArgs(config: AgentSettings, context: Record<string, unknown>): string[] {
  // stream-json both ways: the prompt and permission answers go in on stdin, events come out on stdout.
  const args = ["-p", "--verbose", "--output-format", "stream-json", "--input-format", "stream-json", "--include-partial-messages"];
  // "stdio" routes every permission ask to us as a control_request (protocols/claude-code.md);
  // without it -p silently denies whatever the permission mode does not allow.
  if (config.approvals !== false) args.push("--permission-prompt-tool", "stdio");
  const mode = text(config.permissionMode);
  if (mode) args.push("--permission-mode", mode);
  const model = text(config.model);
  if (model) args.push("--model", model);
  if (typeof config.maxTurns === "number") args.push("--max-turns", String(config.maxTurns));
  const resume = resumeSessionId(context);
  if (resume) args.push("--resume", resume);
  return args;
}

function describeTool(name: string, input: unknown): string {
  const i = (input && typeof input === "object" ? input : {}) as Json;
  const detail = text(i.command) ?? text(i.file_path) ?? text(i.path) ?? text(i.url) ?? text(i.pattern);
  return detail ? `${name}: ${detail.slice(0, 300)}` : name;
}

export const claudeCodeAgent: AgentAdapter = {
  type: "claude-code",
  displayName: "Claude Code",
  description: "Anthropic's Claude Code CLI working in the task's workspace; tool use can wait for approval",
  backend: "claude CLI (stream-json)",
  usesWorkspace: true,
  async probe(config) {
    return probeBinary(text(config.bin) ?? "claude", "CLAUDE_CODE_BIN");
  },
  run: runClaudeCode,
};

async function runClaudeCode(input: AgentRunInput): Promise<AgentRunResult> {
  const { config, emit, signal } = input;
  const bin = text(config.bin) ?? "claude";
  const idleTimeoutMs = Number(config.idleTimeoutSeconds ?? 0) * 1000;
  const cleanup = await installSkillsInWorkspace(input.workspace, ".claude/skills", input.skills);
  const stream = new ClaudeCodeStream(emit);
  const withdrawn = new Set<string>();
  let child: AgentProcess | undefined;

  const send = (message: Json) => child?.writeLine(JSON.stringify(message));
  const respond = (requestId: string, response: Json) =>
    send({ type: "control_response", response: { subtype: "success", request_id: requestId, response } });
  const respondError = (requestId: string, error: string) =>
    send({ type: "control_response", response: { subtype: "error", request_id: requestId, error } });

  const askPermission = (requestId: string, request: Json) => {
    const toolName = text(request.tool_name) ?? "tool";
    const toolInput = request.input ?? {};
    const resumeWatchdog = child!.pauseWatchdog();
    const reason = text(request.decision_reason) ?? text(request.description) ?? text(request.title);
    emit({ type: "progress", message: `Waiting for approval: ${describeTool(toolName, toolInput)}` });
    input
      .askHuman({
        kind: "approval",
        prompt: `Claude Code wants to use ${describeTool(toolName, toolInput)}${reason ? ` (${reason})` : ""}`,
        tool: { name: toolName, input: toolInput },
        options: ["approve", "deny"],
      })
      .then((answer: HumanAnswer) => {
        resumeWatchdog();
        if (withdrawn.has(requestId)) return;
        if (answer.approved) {
          emit({ type: "progress", message: `${answer.answeredBy} approved ${toolName}` });
          respond(requestId, { behavior: "allow", updatedInput: toolInput });
        } else {
          emit({ type: "progress", message: `${answer.answeredBy} denied ${toolName}` });
          respond(requestId, { behavior: "deny", message: answer.text?.trim() || `Denied by ${answer.answeredBy}`, interrupt: false });
        }
      })
      .catch(() => {
        // Cancelled while waiting: the open ask is denied with interrupt (protocols/claude-code.md),
        // and the abort path interrupts the turn and ends the process tree.
        resumeWatchdog();
        if (!withdrawn.has(requestId)) respond(requestId, { behavior: "deny", message: "The task was cancelled", interrupt: true });
        if (!signal.aborted) child?.terminate("aborted");
      });
  };

  const onLine = (raw: string) => {
    const line = parseJsonLine(raw);
    if (!line) {
      emit({ type: "output", text: `${raw}\n`, stream: "stdout" });
      return;
    }
    if (line.type === "control_request") {
      const requestId = text(line.request_id);
      const request = (line.request ?? {}) as Json;
      if (!requestId) return;
      if (request.subtype === "can_use_tool") askPermission(requestId, request);
      // Hooks, SDK MCP servers and elicitation are not offered by this host: say so instead of hanging.
      else respondError(requestId, `clawlink does not handle ${String(request.subtype)} requests`);
      return;
    }
    if (line.type === "control_cancel_request") {
      const requestId = text(line.request_id);
      if (requestId) withdrawn.add(requestId);
      emit({ type: "progress", message: "Claude Code withdrew its permission request" });
      return;
    }
    stream.handle(line);
    // One prompt, one turn: closing stdin after the result lets the CLI exit.
    if (line.type === "result" && !(typeof line.queued_turn_count === "number" && line.queued_turn_count > 0)) child?.endInput();
  };

  try {
    child = spawnAgentProcess({
      bin,
      args: claudeCodeArgs(config, input.context),
      cwd: input.workspace,
      env: {
        ANTHROPIC_API_KEY: text(config.apiKey),
        ANTHROPIC_BASE_URL: text(config.baseUrl),
        DISABLE_TELEMETRY: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
      signal,
      stdin: true,
      idleTimeoutMs,
      onLine,
      // Cancel asks the CLI to stop its turn first; the process tree (setsid tool shells
      // included) is ended shortly after whether or not it complies.
      interrupt: () => send({ type: "control_request", request_id: `interrupt-${randomUUID()}`, request: { subtype: "interrupt" } }),
      interruptGraceMs: 1500,
    });
    send({
      type: "user",
      message: { role: "user", content: input.prompt },
      parent_tool_use_id: null,
      session_id: resumeSessionId(input.context) ?? "",
      uuid: randomUUID(),
    });
    const exit = await child.exited;
    const { result, sessionId, lastText, assistantErrors, model } = stream.outcome;
    if (exit.reason !== "exit") throw exitError(exit, "claude", { bin, idleTimeoutMs, cwd: input.workspace });
    if (!result) {
      if (exit.code !== 0) throw exitError(exit, "claude", { bin, idleTimeoutMs, cwd: input.workspace });
      throw new AgentError("protocol_error", "Claude Code exited without reporting a result", exit.stderr ? { stderr: exit.stderr } : undefined);
    }
    if (resultFailed(result)) {
      throw new AgentError("backend_error", resultFailure("Claude Code", result, assistantErrors), {
        session_id: sessionId,
        permission_denials: result.permission_denials,
      });
    }
    return {
      output: typeof result.result === "string" ? result.result : lastText,
      data: {
        session_id: sessionId,
        resume_session_id: sessionId,
        model,
        num_turns: result.num_turns,
        cost_usd: result.total_cost_usd,
        permission_denials: result.permission_denials,
      },
    };
  } finally {
    await cleanup();
  }
}
