import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeAgent } from "../../lib/agents/claude";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-server";
import { closedPort, eventsOf, outputText, runAgent, testSkill, waitFor } from "../fakes/run-agent";

describe("claude adapter (Anthropic Messages API over SSE, official SDK)", () => {
  let fake: FakeAnthropic;
  const config = () => ({ apiKey: "sk-ant-api-test", baseUrl: fake.url, model: "claude-sonnet-5-5", maxTokens: 512, maxRetries: 0 });

  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("streams text deltas and reports usage", async () => {
    const before = fake.requests.length;
    const run = await runAgent(claudeAgent, { prompt: "Say hello", config: config(), skills: [testSkill("/nonexistent")] });
    expect(run.error).toBeUndefined();
    expect(eventsOf(run, "output").map((e) => e.text)).toEqual(["Hello", " from", " the fake model."]);
    expect(run.result?.output).toBe("Hello from the fake model.");
    expect(eventsOf(run, "usage")[0]).toMatchObject({ inputTokens: 57, outputTokens: 12, model: "claude-sonnet-5-5" });
    const request = fake.requests.slice(before).find((r) => r.path === "/v1/messages")!;
    expect(request.body).toMatchObject({ model: "claude-sonnet-5-5", max_tokens: 512, stream: true, messages: [{ role: "user", content: "Say hello" }] });
    // Skills travel in the system prompt.
    expect(String(request.body?.system)).toContain("Check every changed line for off-by-one errors.");
    expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.headers.authorization ?? request.headers["x-api-key"]).toContain("sk-ant-api-test");
  });

  it("reports an HTTP error with its type and status", async () => {
    const run = await runAgent(claudeAgent, { prompt: "[scenario:auth]", config: config() });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("Anthropic API: authentication_error: invalid x-api-key (HTTP 401)");
  });

  it("fails on a mid-stream error event after partial output", async () => {
    const run = await runAgent(claudeAgent, { prompt: "[scenario:overloaded]", config: config() });
    expect(outputText(run)).toBe("Partial ");
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toContain("Overloaded");
  });

  it("cancel aborts the HTTP stream", async () => {
    const controller = new AbortController();
    const aborts = fake.clientAborts;
    const running = runAgent(claudeAgent, { prompt: "[scenario:hang]", config: config(), controller });
    await waitFor(() => fake.requests.some((r) => JSON.stringify(r.body ?? {}).includes("scenario:hang")));
    controller.abort();
    expect((await running).error?.code).toBe("cancelled");
    await waitFor(() => fake.clientAborts > aborts);
  });

  it("explains a missing key and an unreachable API", async () => {
    expect(await claudeAgent.probe({ model: "m" })).toEqual({ available: false, reason: "ANTHROPIC_API_KEY not set" });
    expect(await claudeAgent.probe(config())).toEqual({ available: true });
    const missing = await runAgent(claudeAgent, { prompt: "hi", config: { ...config(), apiKey: "" } });
    expect(missing.error?.message).toBe("ANTHROPIC_API_KEY not set");
    const base = `http://127.0.0.1:${await closedPort()}`;
    const down = await runAgent(claudeAgent, { prompt: "hi", config: { ...config(), baseUrl: base } });
    expect(down.error?.code).toBe("unavailable");
    expect(down.error?.message).toMatch(new RegExp(`^Anthropic API not reachable at ${base}: `));
  });
});
