import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback Ollama (protocols/ollama.md): POST /api/chat streams NDJSON chunks ending with
 * done:true; GET /api/tags and /api/version. `[scenario:x]` in the last user message picks:
 * success | midstream-error | truncated | hang. An unknown model gets 404 {"error": …}.
 */
export interface FakeOllama {
  url: string;
  requests: Array<{ method: string; path: string; body: Record<string, unknown> | null; headers: IncomingMessage["headers"] }>;
  clientAborts: number;
  close(): Promise<void>;
}

export const FAKE_OLLAMA_MODELS = ["qwen2.5-coder:7b", "llama3.2:latest"];

export async function startFakeOllama(): Promise<FakeOllama> {
  const requests: FakeOllama["requests"] = [];
  const state = { clientAborts: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    const path = (req.url ?? "/").split("?")[0];
    requests.push({ method: req.method ?? "GET", path, body, headers: req.headers });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "GET" && path === "/api/version") return json(200, { version: "0.12.3" });
    if (req.method === "GET" && path === "/api/tags") {
      return json(200, {
        models: FAKE_OLLAMA_MODELS.map((name) => ({ name, model: name, modified_at: "2026-02-11T09:01:33.5-05:00", size: 4683087332, digest: "2b0496514337", details: { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "7.6B", quantization_level: "Q4_K_M" } })),
      });
    }
    if (req.method !== "POST" || path !== "/api/chat") return json(404, { error: "404 page not found" });
    if (!body) return json(400, { error: "missing request body" });
    const model = String(body.model ?? "");
    if (!FAKE_OLLAMA_MODELS.includes(model)) return json(404, { error: `model '${model}' not found` });
    const messages = (body.messages as Array<{ role: string; content: string }>) ?? [];
    const last = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const scenario = /\[scenario:([a-z-]+)\]/.exec(last)?.[1] ?? "success";
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.on("close", () => {
      if (!res.writableEnded) state.clientAborts += 1;
    });
    const chunk = (content: string, extra: Record<string, unknown> = {}) =>
      res.write(JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: "assistant", content }, done: false, ...extra }) + "\n");
    chunk("The");
    chunk(" entry point");
    if (scenario === "midstream-error") {
      res.write(JSON.stringify({ error: "an error was encountered while running the model: unexpected EOF" }) + "\n");
      return void res.end();
    }
    if (scenario === "truncated") return void res.end();
    if (scenario === "hang") return;
    const system = messages.find((m) => m.role === "system");
    chunk(` is cmd/app/main.go.${system ? ` (system: ${system.content.length} chars)` : ""}`);
    res.write(JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: "assistant", content: "" }, done: true, done_reason: "stop", total_duration: 1840212000, load_duration: 21044000, prompt_eval_count: 48, prompt_eval_duration: 90311000, eval_count: 11, eval_duration: 402551000 }) + "\n");
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get clientAborts() {
      return state.clientAborts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
