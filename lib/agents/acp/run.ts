import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  client,
  ndJsonStream,
  PROTOCOL_VERSION,
  RequestError,
  type ClientConnection,
  type InitializeResponse,
  type PermissionOption,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
} from "@agentclientprotocol/sdk";
import { AgentError, isAgentError } from "../errors";
import { agentFailure, stopReasonFailure } from "../failure-wording";
import { exitError, lastLines, spawnAgentProcess, type AgentProcess } from "../process";
import { installSkillsInWorkspace } from "../skills";
import type { AgentRunInput, AgentRunResult, HumanAnswer } from "../types";
import { confinedPath } from "./confine";
import { Terminals } from "./terminals";
import { AcpUpdates } from "./updates";

export interface AcpLaunch {
  /** For messages: "Goose", "Auggie" … */
  label: string;
  bin: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** Where the CLI discovers workspace skills, relative to the workspace. */
  skillsDir: string;
  idleTimeoutMs: number;
}

const CLIENT_INFO = { name: "coderclawlink", title: "coderClawLink", version: "0.2.0" };
const CANCEL_GRACE_MS = 3000;

/** The option a person's answer picks: named explicitly, else the first allow/reject of the right kind. */
export function chooseOption(options: PermissionOption[], answer: HumanAnswer): PermissionOption | undefined {
  const said = answer.text?.trim().toLowerCase();
  const named = said ? options.find((o) => o.optionId.toLowerCase() === said || o.name.toLowerCase() === said) : undefined;
  if (named && (answer.approved === undefined || named.kind.startsWith(answer.approved ? "allow" : "reject"))) return named;
  const order = answer.approved ? ["allow_once", "allow_always"] : ["reject_once", "reject_always"];
  for (const kind of order) {
    const option = options.find((o) => o.kind === kind);
    if (option) return option;
  }
  return undefined;
}

function describePermission(label: string, params: RequestPermissionRequest): string {
  const call = params.toolCall;
  const where = (call.locations ?? []).map((l) => l.path).join(", ");
  return `${label} wants to ${call.title ?? call.kind ?? "use a tool"}${where ? ` (${where})` : ""}`;
}

/**
 * One ACP turn: spawn the agent, initialize, open (or load) a session in the workspace, send
 * the prompt and fold its session/update stream into events until the prompt's stopReason.
 * Permission requests wait for a person; cancel sends session/cancel, answers pending
 * requests `cancelled`, then ends the process tree. fs/* and terminal/* stay in the workspace.
 */
export async function runAcp(input: AgentRunInput, launch: AcpLaunch): Promise<AgentRunResult> {
  const { emit, signal, workspace } = input;
  const cleanup = await installSkillsInWorkspace(workspace, launch.skillsDir, input.skills);
  const updates = new AcpUpdates(emit);
  const terminals = new Terminals(workspace);
  const pending = new Map<string, (response: RequestPermissionResponse) => void>();
  let sessionId: string | undefined;
  let connection: ClientConnection | undefined;
  let child: AgentProcess | undefined;
  let inbound: ReadableStreamDefaultController<Uint8Array> | undefined;
  const encoder = new TextEncoder();

  const answerPendingCancelled = () => {
    for (const [id, resolve] of pending) {
      resolve({ outcome: { outcome: "cancelled" } });
      pending.delete(id);
    }
  };

  const askPermission = async (params: RequestPermissionRequest, requestSignal: AbortSignal): Promise<RequestPermissionResponse> => {
    const key = `${params.toolCall.toolCallId}:${Math.random()}`;
    const resumeWatchdog = child?.pauseWatchdog() ?? (() => undefined);
    emit({ type: "progress", message: `Waiting for approval: ${params.toolCall.title ?? params.toolCall.toolCallId}` });
    const cancelled = new Promise<RequestPermissionResponse>((resolve) => pending.set(key, resolve));
    const decided = input
      .askHuman({
        kind: "approval",
        prompt: describePermission(launch.label, params),
        tool: { name: params.toolCall.title ?? params.toolCall.kind ?? "tool", input: { kind: params.toolCall.kind, raw_input: params.toolCall.rawInput, locations: (params.toolCall.locations ?? []).map((l) => l.path) } },
        options: params.options.map((o) => o.name),
      })
      .then((answer): RequestPermissionResponse => {
        const option = chooseOption(params.options, answer);
        emit({ type: "progress", message: `${answer.answeredBy} chose ${option?.name ?? "cancel"}` });
        return option ? { outcome: { outcome: "selected", optionId: option.optionId } } : { outcome: { outcome: "cancelled" } };
      })
      // The task was cancelled (or the agent withdrew the request) while waiting.
      .catch((): RequestPermissionResponse => ({ outcome: { outcome: "cancelled" } }));
    const withdrawn = new Promise<RequestPermissionResponse>((resolve) =>
      requestSignal.addEventListener("abort", () => resolve({ outcome: { outcome: "cancelled" } }), { once: true }),
    );
    try {
      return await Promise.race([decided, cancelled, withdrawn]);
    } finally {
      pending.delete(key);
      resumeWatchdog();
    }
  };

  try {
    child = spawnAgentProcess({
      bin: launch.bin,
      args: launch.args,
      cwd: workspace,
      env: launch.env,
      signal,
      stdin: true,
      idleTimeoutMs: launch.idleTimeoutMs,
      onLine: (line) => inbound?.enqueue(encoder.encode(`${line}\n`)),
      // Cancel per ACP: session/cancel, pending permission requests answered `cancelled`;
      // the agent then ends the turn with stopReason "cancelled", and the tree is ended after.
      interrupt: () => {
        answerPendingCancelled();
        terminals.closeAll();
        if (connection && sessionId) void connection.agent.notify("session/cancel", { sessionId }).catch(() => undefined);
      },
      interruptGraceMs: CANCEL_GRACE_MS,
    });
    const agentProcess = child;
    const readable = new ReadableStream<Uint8Array>({ start: (controller) => void (inbound = controller) });
    const writable = new WritableStream<Uint8Array>({ write: (chunk) => agentProcess.write(chunk) });
    void agentProcess.exited.then(() => {
      try {
        inbound?.close();
      } catch {
        // already closed
      }
    });

    const app = client({ name: "coderclawlink" })
      .onNotification("session/update", lenientUpdate, ({ params }) => {
        if (!sessionId || params.sessionId === sessionId) updates.handle(params.update);
      })
      .onRequest("session/request_permission", ({ params, signal: requestSignal }) => askPermission(params, requestSignal))
      .onRequest("fs/read_text_file", async ({ params }) => {
        const file = await confinedPath(workspace, params.path);
        let content = await readFile(file, "utf8").catch(() => {
          throw RequestError.resourceNotFound(params.path);
        });
        if (params.line || params.limit) {
          const lines = content.split("\n");
          const start = Math.max(0, (params.line ?? 1) - 1);
          content = lines.slice(start, params.limit ? start + params.limit : undefined).join("\n");
        }
        return { content };
      })
      .onRequest("fs/write_text_file", async ({ params }) => {
        const file = await confinedPath(workspace, params.path);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, params.content);
        return {};
      })
      .onRequest("terminal/create", ({ params }) => terminals.create(params))
      .onRequest("terminal/output", ({ params }) => terminals.output(params.terminalId))
      .onRequest("terminal/wait_for_exit", ({ params }) => terminals.waitForExit(params.terminalId))
      .onRequest("terminal/kill", ({ params }) => terminals.kill(params.terminalId))
      .onRequest("terminal/release", ({ params }) => terminals.release(params.terminalId));
    connection = app.connect(ndJsonStream(writable, readable));

    const turn = (async () => {
      const init: InitializeResponse = await connection.agent.request("initialize", {
        protocolVersion: PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
        clientInfo: CLIENT_INFO,
      });
      emit({ type: "progress", message: `${launch.label} connected over ACP${init.agentInfo?.version ? ` (${init.agentInfo.name} ${init.agentInfo.version})` : ""}` });
      const resume = resumeSessionId(input.context);
      if (resume && init.agentCapabilities?.loadSession) {
        await connection.agent.request("session/load", { sessionId: resume, cwd: workspace, mcpServers: [] });
        sessionId = resume;
      } else {
        sessionId = (await connection.agent.request("session/new", { cwd: workspace, mcpServers: [] })).sessionId;
      }
      if (signal.aborted) return { stopReason: "cancelled" as const };
      return connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: input.prompt }] });
    })();
    // The process ending first (crash) must not leave us waiting for a response that never comes.
    const ended = agentProcess.exited.then((exit) => ({ exit }));
    const first = await Promise.race([turn.then((response) => ({ response }), (error: unknown) => ({ error })), ended]);
    if ("exit" in first) {
      turn.catch(() => undefined);
      if (first.exit.reason !== "exit" || first.exit.code !== 0) throw exitError(first.exit, launch.label, { bin: launch.bin, idleTimeoutMs: launch.idleTimeoutMs, cwd: workspace });
      throw new AgentError("protocol_error", `${launch.label} exited before it finished the turn`, first.exit.stderr ? { stderr: lastLines(first.exit.stderr, 5) } : undefined);
    }
    if (signal.aborted) throw new AgentError("cancelled", "Cancelled");
    if ("error" in first) throw acpError(launch.label, first.error);
    const { stopReason } = first.response;
    if (stopReason === "cancelled") throw new AgentError("cancelled", "Cancelled");
    const stopped = stopReasonFailure(launch.label, stopReason);
    if (stopped) throw new AgentError("backend_error", stopped, { session_id: sessionId });
    if (updates.text) emit({ type: "message", role: "assistant", text: updates.text });
    return {
      output: updates.text,
      data: { session_id: sessionId, resume_session_id: sessionId, stop_reason: stopReason, reported_files: [...new Set(updates.diffs.map((d) => d.path))] },
    };
  } finally {
    terminals.closeAll();
    connection?.close();
    child?.endInput();
    // After the turn the agent would wait for more prompts: end it and anything it left behind.
    child?.terminate("aborted");
    await child?.exited;
    await cleanup();
  }
}

/**
 * session/update parsed by shape only: agents on older SDKs send fields the current schema
 * rejects (claude-agent-acp's `usage_update` with `used: null`), and one odd field must not
 * drop the message chunk or tool call around it. AcpUpdates reads each kind defensively.
 */
function lenientUpdate(params: unknown): SessionNotification {
  const p = params as { sessionId?: unknown; update?: { sessionUpdate?: unknown } } | null;
  if (!p || typeof p.sessionId !== "string" || !p.update || typeof p.update.sessionUpdate !== "string") throw RequestError.invalidParams(undefined, "not a session/update");
  return p as SessionNotification;
}

function resumeSessionId(context: Record<string, unknown>): string | undefined {
  const id = context.resume_session_id;
  return typeof id === "string" && /^[A-Za-z0-9_.:-]{1,200}$/.test(id) ? id : undefined;
}

/** A JSON-RPC error from the agent as a message people can act on. */
function acpError(label: string, error: unknown): AgentError {
  if (isAgentError(error)) return error;
  const rpc = error as { code?: number; message?: string; data?: unknown };
  if (rpc?.code === -32000) return new AgentError("not_configured", `${label} needs a login: ${rpc.message ?? "authentication required"}`);
  const detail = typeof rpc?.data === "object" && rpc.data && "details" in rpc.data ? String((rpc.data as { details: unknown }).details) : undefined;
  return new AgentError("backend_error", agentFailure(label, rpc?.message ?? String(error), [detail]));
}
