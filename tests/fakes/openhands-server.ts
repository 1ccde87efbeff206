import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback OpenHands V1 server (protocols/openhands.md): the app server under /api/v1 and
 * the conversation's agent server under /agent/api/conversations/{id}. Each status call
 * (GET /api/v1/app-conversations?ids=) advances the conversation's script by one step, so
 * progress follows the client's polling; events/search pages two events at a time.
 * `[scenario:x]` in the initial message picks: success | confirm | error | hang | start-error.
 */
export interface FakeOpenHands {
  url: string;
  apiKey: string;
  sessionKey: string;
  calls: Array<{ method: string; path: string; body: unknown; headers: IncomingMessage["headers"] }>;
  paused: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Conversation {
  id: string;
  scenario: string;
  events: Json[];
  status: string;
  step: number;
  confirmation?: { accept: boolean; reason?: string };
}

const ts = () => new Date().toISOString().slice(0, 19);
const ev = (kind: string, source: string, fields: Json): Json => ({ kind, id: randomUUID(), timestamp: ts(), source, ...fields });
const state = (value: string) => ev("ConversationStateUpdateEvent", "environment", { key: "execution_status", value });
const agentSays = (text: string) => ev("MessageEvent", "agent", { llm_message: { role: "assistant", content: [{ type: "text", text }] }, activated_skills: [], extended_content: [] });
const action = (command: string) =>
  ev("ActionEvent", "agent", {
    thought: [{ type: "text", text: "List routes first" }],
    action: { kind: "TerminalAction", command },
    tool_name: "terminal",
    tool_call_id: "toolu_01",
    tool_call: { id: "toolu_01", type: "function", function: { name: "terminal", arguments: JSON.stringify({ command }) } },
    llm_response_id: "resp_1",
    security_risk: "LOW",
  });
const observation = (actionId: unknown, out: string) =>
  ev("ObservationEvent", "environment", { tool_name: "terminal", tool_call_id: "toolu_01", action_id: actionId, observation: { kind: "TerminalObservation", content: [{ type: "text", text: out }], is_error: false, exit_code: 0 } });

/** Advance one step; returns nothing when the script is waiting (confirmation) or done. */
function advance(c: Conversation): void {
  const push = (...events: Json[]) => c.events.push(...events);
  c.step += 1;
  switch (c.scenario) {
    case "hang":
      if (c.step === 1) push(state("running"));
      c.status = "running";
      return;
    case "error":
      if (c.step === 1) {
        push(state("running"));
        c.status = "running";
      } else if (c.step === 2) {
        push(ev("ConversationErrorEvent", "environment", { code: "LLMAuthenticationError", detail: "invalid api key" }), state("error"));
        c.status = "error";
      }
      return;
    case "confirm":
      if (c.step === 1) {
        const a = action("rm -rf build");
        push(state("running"), a, state("waiting_for_confirmation"));
        c.status = "waiting_for_confirmation";
      } else if (c.confirmation && c.status === "waiting_for_confirmation") {
        const a = c.events.find((e) => e.kind === "ActionEvent")!;
        if (c.confirmation.accept) push(observation(a.id, "removed build/"), agentSays("Cleaned the build folder."));
        else push(ev("UserRejectObservation", "environment", { tool_name: "terminal", tool_call_id: "toolu_01", action_id: a.id, rejection_reason: c.confirmation.reason }), agentSays("Understood, I left build/ alone."));
        push(state("finished"));
        c.status = "finished";
      }
      return;
    default:
      if (c.step === 1) {
        push(state("running"), action("ls src/routes"));
        c.status = "running";
      } else if (c.step === 2) {
        const a = c.events.find((e) => e.kind === "ActionEvent")!;
        push(observation(a.id, "users.ts\n"), agentSays("Added GET /health and a test."), state("finished"));
        c.status = "finished";
      }
  }
}

export async function startFakeOpenHands(): Promise<FakeOpenHands> {
  const apiKey = "oh-test-key";
  const sessionKey = `sess-${randomUUID()}`;
  const calls: FakeOpenHands["calls"] = [];
  const paused: string[] = [];
  const starts = new Map<string, { polls: number; scenario: string; conversationId?: string }>();
  const conversations = new Map<string, Conversation>();
  let base = "";

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body: Json | null = raw ? JSON.parse(raw) : null;
    const url = new URL(req.url ?? "/", base);
    calls.push({ method: req.method ?? "GET", path: url.pathname + url.search, body, headers: req.headers });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };

    if (url.pathname.startsWith("/api/v1/")) {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { detail: "Invalid API key" });
      if (req.method === "POST" && url.pathname === "/api/v1/app-conversations") {
        const text = String(((body?.initial_message as Json)?.content as Json[] | undefined)?.[0]?.text ?? "");
        const scenario = /\[scenario:([a-z-]+)\]/.exec(text)?.[1] ?? "success";
        const id = randomUUID();
        starts.set(id, { polls: 0, scenario });
        return send(200, { id, created_by_user_id: null, status: "WORKING", detail: null, app_conversation_id: null, sandbox_id: null, agent_server_url: null, request: body, created_at: ts(), updated_at: ts() });
      }
      if (req.method === "GET" && url.pathname === "/api/v1/app-conversations/start-tasks") {
        return send(
          200,
          (url.searchParams.get("ids") ?? "").split(",").map((id) => {
            const s = starts.get(id);
            if (!s) return null;
            s.polls += 1;
            if (s.scenario === "start-error") return { id, status: "ERROR", detail: "Sandbox failed to start: image pull failed", app_conversation_id: null };
            if (s.polls < 2) return { id, status: "WAITING_FOR_SANDBOX", detail: null, app_conversation_id: null };
            if (!s.conversationId) {
              s.conversationId = randomUUID().replace(/-/g, "");
              conversations.set(s.conversationId, { id: s.conversationId, scenario: s.scenario, events: [], status: "idle", step: 0 });
            }
            return { id, status: "READY", detail: null, app_conversation_id: s.conversationId, agent_server_url: `${base}/agent` };
          }),
        );
      }
      if (req.method === "GET" && url.pathname === "/api/v1/app-conversations/search") return send(200, { items: [], next_page_id: null });
      if (req.method === "GET" && url.pathname === "/api/v1/app-conversations") {
        return send(
          200,
          (url.searchParams.get("ids") ?? "").split(",").map((id) => {
            const c = conversations.get(id);
            if (!c) return null;
            advance(c);
            return {
              id,
              title: "task",
              sandbox_id: "sb1",
              sandbox_status: "RUNNING",
              execution_status: c.status,
              conversation_url: `${base}/agent/api/conversations/${id}`,
              session_api_key: sessionKey,
              metrics: { accumulated_cost: 0.031, accumulated_token_usage: { prompt_tokens: 1200, completion_tokens: 340 } },
              created_at: ts(),
              updated_at: ts(),
            };
          }),
        );
      }
      return send(404, { detail: "Not Found" });
    }

    const match = /^\/agent\/api\/conversations\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (match) {
      if (req.headers["x-session-api-key"] !== sessionKey) return send(401, { detail: "Unauthorized" });
      const c = conversations.get(match[1]);
      if (!c) return send(404, { detail: "Conversation not found" });
      const op = match[2];
      if (req.method === "GET" && op === "events/search") {
        const limit = Number(url.searchParams.get("limit") ?? 100);
        const from = Number(url.searchParams.get("page_id") ?? 0);
        const items = c.events.slice(from, from + Math.min(limit, 2));
        const next = from + items.length < c.events.length ? String(from + items.length) : null;
        return send(200, { items, next_page_id: next });
      }
      if (req.method === "POST" && op === "events/respond_to_confirmation") {
        c.confirmation = { accept: body?.accept === true, reason: typeof body?.reason === "string" ? body.reason : undefined };
        advance(c);
        return send(200, { success: true });
      }
      if (req.method === "POST" && op === "confirmation_policy") return send(200, { success: true });
      if (req.method === "POST" && op === "pause") {
        paused.push(c.id);
        c.status = "paused";
        return send(200, { success: true });
      }
    }
    return send(404, { detail: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    apiKey,
    sessionKey,
    calls,
    paused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
