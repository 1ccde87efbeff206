import { AgentError, cancelledError, networkReason } from "./errors";
import { errorText, fetchOrUnavailable } from "./http";
import { skillsSystemPrompt } from "./skills";
import type { AgentAdapter, AgentEvent, AgentProbe, AgentRunInput, AgentRunResult, AgentSettings, HumanAnswer } from "./types";

type Json = Record<string, unknown>;
const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

const PROBE_TIMEOUT_MS = 3000;
const list = (v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new AgentError("protocol_error", "OpenHands answered with something other than a list");
  return v;
};
const TERMINAL_FAILURES = new Set(["error", "stuck"]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((c) => (obj(c).type === "text" ? String(obj(c).text ?? "") : "")).join("");
}

/** Talks to the V1 app server (Bearer API key) and to the conversation's agent server (session key). */
class OpenHandsClient {
  constructor(
    readonly base: string,
    private readonly apiKey: string | undefined,
    private readonly signal: AbortSignal,
  ) {}

  async app(path: string, init: RequestInit = {}): Promise<unknown> {
    const headers = { "content-type": "application/json", ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) };
    return this.json(`${this.base}${path}`, { ...init, headers: { ...headers, ...init.headers } });
  }

  async agent(url: string, sessionKey: string | undefined, init: RequestInit = {}): Promise<unknown> {
    const headers = { "content-type": "application/json", ...(sessionKey ? { "x-session-api-key": sessionKey } : {}) };
    return this.json(url, { ...init, headers: { ...headers, ...init.headers } });
  }

  private async json(url: string, init: RequestInit): Promise<unknown> {
    const res = await fetchOrUnavailable("OpenHands", this.base, url, { ...init, signal: init.signal ?? this.signal });
    if (!res.ok) {
      const path = new URL(url).pathname;
      throw new AgentError("backend_error", `OpenHands ${res.status} on ${init.method ?? "GET"} ${path}: ${await errorText(res)}`);
    }
    return res.status === 204 ? null : res.json();
  }
}

async function probeOpenHands(config: AgentSettings): Promise<AgentProbe> {
  const url = text(config.url);
  if (!url) return { available: false, reason: "OPENHANDS_URL not set" };
  try {
    const res = await fetch(`${url}/api/v1/app-conversations/search?limit=1`, {
      headers: text(config.apiKey) ? { authorization: `Bearer ${text(config.apiKey)}` } : {},
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (res.status === 401 || res.status === 403) return { available: false, reason: `OpenHands at ${url} rejected the API key (${res.status})` };
    if (!res.ok) return { available: false, reason: `OpenHands at ${url} answered ${res.status}: ${await errorText(res)}` };
    return { available: true };
  } catch (error) {
    return { available: false, reason: `OpenHands not reachable at ${url}: ${networkReason(error)}` };
  }
}

/** Folds OpenHands events (`kind`-tagged) into normalised events and remembers the outcome. */
export class OpenHandsEvents {
  status: string | undefined;
  lastError: string | undefined;
  answer = "";
  finishMessage: string | undefined;
  /** ActionEvents still waiting for their observation, by event id. */
  readonly pendingActions = new Map<string, Json>();
  private readonly seen = new Set<string>();

  constructor(private readonly emit: (event: AgentEvent) => void) {}

  handle(event: Json): void {
    const id = text(event.id);
    if (id) {
      if (this.seen.has(id)) return;
      this.seen.add(id);
    }
    switch (event.kind) {
      case "MessageEvent": {
        if (event.source !== "agent") return;
        const said = contentText(obj(event.llm_message).content);
        if (!said) return;
        this.answer = said;
        this.emit({ type: "output", text: said, stream: "assistant" });
        this.emit({ type: "message", role: "assistant", text: said });
        return;
      }
      case "ActionEvent": {
        const thought = contentText(event.thought);
        if (thought) this.emit({ type: "progress", message: thought.slice(0, 500) });
        const name = text(event.tool_name) ?? text(obj(event.action).kind) ?? "action";
        if (name === "finish") this.finishMessage = text(obj(event.action).message);
        if (id) this.pendingActions.set(id, event);
        this.emit({ type: "tool_call", id: text(event.tool_call_id) ?? id, name, input: event.action });
        return;
      }
      case "ObservationEvent": {
        const observation = obj(event.observation);
        if (text(event.action_id)) this.pendingActions.delete(text(event.action_id)!);
        this.emit({
          type: "tool_result",
          id: text(event.tool_call_id),
          name: text(event.tool_name),
          output: contentText(observation.content) || observation,
          isError: observation.is_error === true,
        });
        return;
      }
      case "UserRejectObservation":
        if (text(event.action_id)) this.pendingActions.delete(text(event.action_id)!);
        this.emit({ type: "tool_result", id: text(event.tool_call_id), name: text(event.tool_name), output: event.rejection_reason, isError: true });
        return;
      case "AgentErrorEvent":
        this.emit({ type: "tool_result", id: text(event.tool_call_id), name: text(event.tool_name), output: event.error, isError: true });
        return;
      case "ConversationErrorEvent":
        this.lastError = `${String(event.code ?? "error")}: ${String(event.detail ?? "")}`;
        this.emit({ type: "error", message: this.lastError });
        return;
      case "ConversationStateUpdateEvent":
        if (event.key === "execution_status" && typeof event.value === "string") this.status = event.value;
        return;
      default:
        return;
    }
  }
}

export const openHandsAgent: AgentAdapter = {
  type: "opendevin",
  aliases: ["openhands"],
  displayName: "OpenHands (OpenDevin)",
  description: "An OpenHands server runs the task in its own sandbox through its V1 conversation API",
  backend: "OpenHands REST API (V1)",
  probe: probeOpenHands,
  run: runOpenHands,
};

async function runOpenHands(input: AgentRunInput): Promise<AgentRunResult> {
  const { config, emit, signal } = input;
  const url = text(config.url);
  if (!url) throw new AgentError("not_configured", "OPENHANDS_URL not set");
  const api = new OpenHandsClient(url.replace(/\/+$/, ""), text(config.apiKey), signal);
  const pollMs = num(config.pollIntervalMs) ?? 1000;
  const startDeadline = Date.now() + (num(config.startTimeoutSeconds) ?? 900) * 1000;
  let conversationUrl: string | undefined;
  let sessionKey: string | undefined;

  try {
    const systemSuffix = skillsSystemPrompt(input.skills);
    const task = obj(
      await api.app("/api/v1/app-conversations", {
        method: "POST",
        body: JSON.stringify({
          initial_message: { role: "user", content: [{ type: "text", text: input.prompt }] },
          title: input.prompt.slice(0, 80),
          ...(text(input.context.repository) ? { selected_repository: text(input.context.repository) } : {}),
          ...(text(input.context.branch) ? { selected_branch: text(input.context.branch) } : {}),
          ...(systemSuffix ? { system_message_suffix: systemSuffix } : {}),
        }),
      }),
    );
    // 1. Wait for the start task: sandbox, repository, skills … then READY with a conversation id.
    let start = task;
    let lastStatus = "";
    while (start.status !== "READY") {
      if (start.status === "ERROR") throw new AgentError("backend_error", `OpenHands could not start the conversation: ${String(start.detail ?? "unknown error")}`);
      if (String(start.status) !== lastStatus) {
        lastStatus = String(start.status);
        emit({ type: "progress", message: `OpenHands: ${lastStatus.toLowerCase().replace(/_/g, " ")}` });
      }
      if (Date.now() > startDeadline) throw new AgentError("backend_error", `OpenHands conversation did not start in time (last status ${lastStatus})`);
      await sleep(pollMs, signal);
      if (signal.aborted) throw cancelledError();
      const [next] = list(await api.app(`/api/v1/app-conversations/start-tasks?ids=${encodeURIComponent(String(task.id))}`));
      if (!next) throw new AgentError("backend_error", `OpenHands lost start task ${String(task.id)}`);
      start = obj(next);
    }
    const conversationId = String(start.app_conversation_id);
    const conversation = async () => {
      const [row] = list(await api.app(`/api/v1/app-conversations?ids=${encodeURIComponent(conversationId)}`));
      if (!row) throw new AgentError("backend_error", `OpenHands conversation ${conversationId} disappeared`);
      return obj(row);
    };
    const first = await conversation();
    conversationUrl = text(first.conversation_url) ?? (text(start.agent_server_url) ? `${text(start.agent_server_url)}/api/conversations/${conversationId}` : undefined);
    sessionKey = text(first.session_api_key);
    if (!conversationUrl) throw new AgentError("protocol_error", "OpenHands gave no conversation_url for the agent server");
    emit({ type: "progress", message: `OpenHands conversation ${conversationId} started` });
    if (config.confirmation === true) {
      await api.agent(`${conversationUrl}/confirmation_policy`, sessionKey, { method: "POST", body: JSON.stringify({ policy: { kind: "AlwaysConfirm" } }) });
    }

    // 2. Follow events and status until the run is over.
    const events = new OpenHandsEvents(emit);
    let cursor: string | undefined;
    const answered = new Set<unknown>();
    let metrics: Json = {};
    // Re-reads only the last page each time (seen ids are skipped), then follows next_page_id.
    const drainEvents = async () => {
      for (;;) {
        const page = obj(
          await api.agent(`${conversationUrl}/events/search?limit=100${cursor ? `&page_id=${encodeURIComponent(cursor)}` : ""}`, sessionKey),
        );
        for (const item of Array.isArray(page.items) ? page.items : []) events.handle(obj(item));
        const next = text(page.next_page_id);
        if (!next) return;
        cursor = next;
      }
    };
    for (;;) {
      if (signal.aborted) throw cancelledError();
      // Status first, then events: every event written before that status is read before deciding.
      const row = await conversation();
      await drainEvents();
      metrics = obj(row.metrics);
      const status = text(row.execution_status) ?? events.status;
      if (row.sandbox_status === "ERROR" || row.sandbox_status === "MISSING") {
        throw new AgentError("backend_error", `OpenHands sandbox is ${String(row.sandbox_status)}`);
      }
      if (status === "finished") break;
      if (status && TERMINAL_FAILURES.has(status)) throw new AgentError("backend_error", `OpenHands run ${status}${events.lastError ? `: ${events.lastError}` : ""}`);
      if (status === "paused") throw new AgentError("backend_error", "OpenHands run was paused outside clawlink");
      const action = [...events.pendingActions.values()].at(-1) ?? {};
      // The status may lag behind an answer already sent: ask once per action.
      if (status === "waiting_for_confirmation" && !answered.has(action.id ?? "unknown")) {
        answered.add(action.id ?? "unknown");
        const name = text(action.tool_name) ?? "action";
        const answer: HumanAnswer = await input.askHuman({
          kind: "approval",
          prompt: `OpenHands wants to run ${name}: ${JSON.stringify(action.action ?? {}).slice(0, 300)}`,
          tool: { name, input: action.action },
          options: ["approve", "deny"],
        });
        await api.agent(`${conversationUrl}/events/respond_to_confirmation`, sessionKey, {
          method: "POST",
          body: JSON.stringify(answer.approved ? { accept: true } : { accept: false, reason: answer.text?.trim() || `Denied by ${answer.answeredBy}` }),
        });
        continue;
      }
      await sleep(pollMs, signal);
    }
    const usage = obj(metrics.accumulated_token_usage);
    emit({ type: "usage", inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens), costUsd: num(metrics.accumulated_cost) });
    return { output: events.finishMessage ?? events.answer, data: { conversation_id: conversationId } };
  } catch (error) {
    if (signal.aborted) {
      await pauseQuietly(conversationUrl, sessionKey);
      throw cancelledError();
    }
    throw error;
  }
}

/** Stop the agent loop on cancel; the conversation stays on the server for inspection. */
async function pauseQuietly(conversationUrl: string | undefined, sessionKey: string | undefined): Promise<void> {
  if (!conversationUrl) return;
  try {
    await fetch(`${conversationUrl}/pause`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(sessionKey ? { "x-session-api-key": sessionKey } : {}) },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch {
    // Best effort: the server may already be gone.
  }
}
