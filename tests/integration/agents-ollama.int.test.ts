import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ollamaAgent, ollamaBaseUrl, ollamaModels } from "../../lib/agents/ollama";
import { startFakeOllama, type FakeOllama } from "../fakes/ollama-server";
import { closedPort, eventsOf, outputText, runAgent, testSkill, waitFor } from "../fakes/run-agent";

describe("ollama adapter (NDJSON /api/chat)", () => {
  let fake: FakeOllama;
  const config = () => ({ host: fake.url, model: "qwen2.5-coder:7b", keepAlive: "5m" });

  beforeAll(async () => {
    fake = await startFakeOllama();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("streams chunks until done:true and reports token counts", async () => {
    const run = await runAgent(ollamaAgent, { prompt: "Where is main()?", config: config() });
    expect(run.error).toBeUndefined();
    expect(eventsOf(run, "output").map((e) => e.text)).toEqual(["The", " entry point", " is cmd/app/main.go."]);
    expect(run.result?.output).toBe("The entry point is cmd/app/main.go.");
    expect(eventsOf(run, "usage")[0]).toEqual({ type: "usage", inputTokens: 48, outputTokens: 11, model: "qwen2.5-coder:7b" });
    const request = fake.requests.filter((r) => r.path === "/api/chat").at(-1)!;
    expect(request.body).toEqual({ model: "qwen2.5-coder:7b", stream: true, keep_alive: "5m", messages: [{ role: "user", content: "Where is main()?" }] });
  });

  it("sends skills as the system message", async () => {
    const run = await runAgent(ollamaAgent, { prompt: "Review", config: config(), skills: [testSkill("/nonexistent")] });
    expect(run.result?.output).toMatch(/\(system: \d+ chars\)$/);
    const request = fake.requests.filter((r) => r.path === "/api/chat").at(-1)!;
    expect(JSON.stringify(request.body)).toContain("Check every changed line for off-by-one errors.");
  });

  it("reports a missing model with the pull hint", async () => {
    const run = await runAgent(ollamaAgent, { prompt: "hi", config: { ...config(), model: "llama9:70b" } });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("Ollama 404: model 'llama9:70b' not found (ollama pull llama9:70b)");
  });

  it("fails on an error line after output started", async () => {
    const run = await runAgent(ollamaAgent, { prompt: "[scenario:midstream-error]", config: config() });
    expect(outputText(run)).toBe("The entry point");
    expect(run.error?.message).toBe("Ollama: an error was encountered while running the model: unexpected EOF");
  });

  it("fails when the stream closes without done:true", async () => {
    const run = await runAgent(ollamaAgent, { prompt: "[scenario:truncated]", config: config() });
    expect(run.error?.code).toBe("protocol_error");
  });

  it("cancel closes the connection", async () => {
    const controller = new AbortController();
    const aborts = fake.clientAborts;
    const running = runAgent(ollamaAgent, { prompt: "[scenario:hang]", config: config(), controller });
    await waitFor(() => fake.requests.some((r) => JSON.stringify(r.body ?? {}).includes("scenario:hang")));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const run = await running;
    expect(run.error?.code).toBe("cancelled");
    await waitFor(() => fake.clientAborts > aborts);
  });

  it("probe: reachable with the model, model missing, server down", async () => {
    expect(await ollamaAgent.probe(config())).toEqual({ available: true, version: "0.12.3" });
    expect(await ollamaAgent.probe({ ...config(), model: "mistral" })).toEqual({
      available: false,
      reason: `Model mistral is not pulled on ${fake.url} (ollama pull mistral)`,
      version: "0.12.3",
    });
    expect((await ollamaAgent.probe({ ...config(), model: "llama3.2" })).available).toBe(true);
    const port = await closedPort();
    expect(await ollamaAgent.probe({ host: `http://127.0.0.1:${port}`, model: "x" })).toEqual({
      available: false,
      reason: `Ollama not reachable at http://127.0.0.1:${port}: ECONNREFUSED`,
    });
  });

  it("lists local models for the UI", async () => {
    const models = await ollamaModels(config());
    expect(models.map((m) => m.name)).toEqual(["qwen2.5-coder:7b", "llama3.2:latest"]);
    expect(models[0]).toMatchObject({ parameter_size: "7.6B", quantization_level: "Q4_K_M", family: "qwen2" });
  });

  it("normalises OLLAMA_HOST values", () => {
    expect(ollamaBaseUrl({})).toBe("http://127.0.0.1:11434");
    expect(ollamaBaseUrl({ host: "0.0.0.0:11434" })).toBe("http://127.0.0.1:11434");
    expect(ollamaBaseUrl({ host: "gpu-box" })).toBe("http://gpu-box:11434");
    expect(ollamaBaseUrl({ host: "https://ollama.example.com/" })).toBe("https://ollama.example.com");
  });
});
