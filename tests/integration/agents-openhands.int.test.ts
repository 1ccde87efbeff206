import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHandsAgent } from "../../lib/agents/openhands";
import { startFakeOpenHands, type FakeOpenHands } from "../fakes/openhands-server";
import { closedPort, eventsOf, runAgent, testSkill, waitFor } from "../fakes/run-agent";

describe("opendevin/openhands adapter (OpenHands V1 REST API)", () => {
  let fake: FakeOpenHands;
  const config = () => ({ url: fake.url, apiKey: fake.apiKey, pollIntervalMs: 10, startTimeoutSeconds: 10, confirmation: false });

  beforeAll(async () => {
    fake = await startFakeOpenHands();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("starts a conversation, follows its events and returns the agent's answer", async () => {
    const run = await runAgent(openHandsAgent, {
      prompt: "Add a /health endpoint",
      config: config(),
      context: { repository: "acme/api", branch: "main" },
      skills: [testSkill("/nonexistent")],
    });
    expect(run.error).toBeUndefined();
    expect(run.result?.output).toBe("Added GET /health and a test.");
    expect(eventsOf(run, "tool_call")[0]).toMatchObject({ id: "toolu_01", name: "terminal", input: { kind: "TerminalAction", command: "ls src/routes" } });
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ id: "toolu_01", output: "users.ts\n", isError: false });
    expect(eventsOf(run, "progress").map((p) => p.message)).toContain("OpenHands: waiting for sandbox");
    expect(eventsOf(run, "usage")[0]).toEqual({ type: "usage", inputTokens: 1200, outputTokens: 340, costUsd: 0.031 });
    const create = fake.calls.find((c) => c.method === "POST" && c.path === "/api/v1/app-conversations")!;
    expect(create.body).toMatchObject({
      initial_message: { role: "user", content: [{ type: "text", text: "Add a /health endpoint" }] },
      selected_repository: "acme/api",
      selected_branch: "main",
    });
    expect(String((create.body as Record<string, unknown>).system_message_suffix)).toContain("off-by-one");
    // The API key goes to the app server only; the agent server gets the conversation's session key.
    const agentCall = fake.calls.find((c) => c.path.includes("/events/search"))!;
    expect(agentCall.headers["x-session-api-key"]).toBe(fake.sessionKey);
    expect(agentCall.headers.authorization).toBeUndefined();
    // Events were paged (two per page) without repeats.
    expect(eventsOf(run, "message").map((m) => m.text)).toEqual(["Added GET /health and a test."]);
  });

  it("turns waiting_for_confirmation into an approval and sends the answer", async () => {
    const run = await runAgent(openHandsAgent, {
      prompt: "Clean up [scenario:confirm]",
      config: { ...config(), confirmation: true },
      answer: () => ({ approved: true, answeredBy: "ada" }),
    });
    expect(run.error).toBeUndefined();
    expect(run.questions[0]).toMatchObject({ kind: "approval", tool: { name: "terminal", input: { command: "rm -rf build" } } });
    expect(run.result?.output).toBe("Cleaned the build folder.");
    expect(fake.calls.some((c) => c.path.endsWith("/confirmation_policy") && JSON.stringify(c.body) === '{"policy":{"kind":"AlwaysConfirm"}}')).toBe(true);
    expect(fake.calls.filter((c) => c.path.endsWith("/respond_to_confirmation")).at(-1)?.body).toEqual({ accept: true });
  });

  it("a rejection carries the reviewer's reason", async () => {
    const run = await runAgent(openHandsAgent, {
      prompt: "Clean up [scenario:confirm]",
      config: config(),
      answer: () => ({ approved: false, text: "keep build/", answeredBy: "bob" }),
    });
    expect(run.result?.output).toBe("Understood, I left build/ alone.");
    expect(fake.calls.filter((c) => c.path.endsWith("/respond_to_confirmation")).at(-1)?.body).toEqual({ accept: false, reason: "keep build/" });
    expect(eventsOf(run, "tool_result")[0]).toMatchObject({ isError: true, output: "keep build/" });
  });

  it("fails with the conversation error", async () => {
    const run = await runAgent(openHandsAgent, { prompt: "[scenario:error]", config: config() });
    expect(run.error?.code).toBe("backend_error");
    expect(run.error?.message).toBe("OpenHands run error: LLMAuthenticationError: invalid api key");
  });

  it("fails with the start task's detail", async () => {
    const run = await runAgent(openHandsAgent, { prompt: "[scenario:start-error]", config: config() });
    expect(run.error?.message).toBe("OpenHands could not start the conversation: Sandbox failed to start: image pull failed");
  });

  it("reports a rejected API key", async () => {
    const run = await runAgent(openHandsAgent, { prompt: "hi", config: { ...config(), apiKey: "wrong" } });
    expect(run.error?.message).toBe("OpenHands 401 on POST /api/v1/app-conversations: Invalid API key");
  });

  it("cancel pauses the conversation", async () => {
    const controller = new AbortController();
    const paused = fake.paused.length;
    const mark = fake.calls.length;
    const running = runAgent(openHandsAgent, { prompt: "[scenario:hang]", config: config(), controller });
    await waitFor(() => fake.calls.slice(mark).some((c) => c.path.includes("/events/search")));
    controller.abort();
    expect((await running).error?.code).toBe("cancelled");
    expect(fake.paused.length).toBe(paused + 1);
  });

  it("probe explains what is wrong", async () => {
    expect(await openHandsAgent.probe({})).toEqual({ available: false, reason: "OPENHANDS_URL not set" });
    expect(await openHandsAgent.probe(config())).toEqual({ available: true });
    expect(await openHandsAgent.probe({ ...config(), apiKey: "bad" })).toEqual({ available: false, reason: `OpenHands at ${fake.url} rejected the API key (401)` });
    const down = `http://127.0.0.1:${await closedPort()}`;
    expect((await openHandsAgent.probe({ url: down })).reason).toBe(`OpenHands not reachable at ${down}: ECONNREFUSED`);
  });
});
