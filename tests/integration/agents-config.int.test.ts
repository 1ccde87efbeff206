import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearProbeCache, resolveAgentSettings } from "../../lib/agents";
import { agentConfigs, auditEvents } from "../../lib/db/schema";
import { startFakeOllama, type FakeOllama } from "../fakes/ollama-server";
import { FAKE_BIN } from "../fakes/run-agent";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { GET: listConfigs } = routeHandlers("/api/admin/agents");
const { GET: getConfig, PUT: putConfig } = routeHandlers("/api/admin/agents/{type}");
const { GET: getModels } = routeHandlers("/api/admin/agents/{type}/models");
const { GET: listAgents } = routeHandlers("/api/runtime/agents");

const ENV_KEYS = ["ANTHROPIC_API_KEY", "ANTHROPIC_MODEL", "CLAUDE_CODE_BIN", "GOOSE_BIN", "AUGGIE_BIN", "OLLAMA_HOST", "OLLAMA_MODEL", "OPENHANDS_URL", "CLAWLINK_ENCRYPTION_KEY"];

describe("agent configuration and listing APIs", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let ada: TestUser;
  let dev: TestUser;
  let ollama: FakeOllama;
  const saved: Record<string, string | undefined> = {};

  const put = async (user: TestUser, type: string, body: unknown) =>
    putConfig(await browserRequest(user.id, `/api/admin/agents/${type}`, { method: "PUT", body: JSON.stringify(body) }), routeParams({ type }));
  const get = async (user: TestUser, type: string) => getConfig(await browserRequest(user.id, `/api/admin/agents/${type}`), routeParams({ type }));

  beforeAll(async () => {
    for (const key of ENV_KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    ada = await createUser(db, { role: "ADMIN", name: "Ada" });
    dev = await createUser(db, { role: "DEVELOPER", name: "Dev" });
    ollama = await startFakeOllama();
  });
  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await ollama.close();
  });

  it("merges defaults, environment and stored settings", async () => {
    process.env.ANTHROPIC_MODEL = "claude-opus-5";
    process.env.ANTHROPIC_API_KEY = "sk-from-env";
    try {
      expect(await resolveAgentSettings(db, "claude")).toMatchObject({ model: "claude-opus-5", apiKey: "sk-from-env", maxTokens: 8192, enabled: true });
      expect((await put(ada, "claude", { settings: { model: "claude-haiku-5-5", max_tokens: 1024 }, secrets: { api_key: "sk-stored-secret" } })).status).toBe(200);
      expect(await resolveAgentSettings(db, "claude")).toMatchObject({ model: "claude-haiku-5-5", maxTokens: 1024, apiKey: "sk-stored-secret" });
      // null resets to the environment value.
      await put(ada, "claude", { settings: { model: null } });
      expect((await resolveAgentSettings(db, "claude")).model).toBe("claude-opus-5");
    } finally {
      delete process.env.ANTHROPIC_MODEL;
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it("stores secrets encrypted, never returns them, and audits only names", async () => {
    const res = await put(ada, "opendevin", { settings: { url: "http://openhands.internal:3000/" }, secrets: { api_key: "oh-very-secret-key" } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(JSON.stringify(body)).not.toContain("oh-very-secret-key");
    expect(body.secrets.api_key).toEqual({ set: true, source: "database" });
    expect(body.settings.url).toBe("http://openhands.internal:3000");
    const [row] = await db.select().from(agentConfigs).where(eq(agentConfigs.agentType, "opendevin"));
    expect(row.secretsEncrypted).toMatch(/^v1\./);
    expect(row.secretsEncrypted).not.toContain("oh-very-secret-key");
    expect(JSON.stringify(row.settings)).not.toContain("oh-very-secret-key");
    expect((await resolveAgentSettings(db, "openhands")).apiKey).toBe("oh-very-secret-key");
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "agent.configured"), eq(auditEvents.resourceId, "opendevin")));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: ada.id, resourceType: "agent", outcome: "success" });
    expect(audits[0].details).toEqual({ enabled: true, settings_changed: ["url"], secrets_changed: ["api_key"] });
    expect(JSON.stringify(audits[0])).not.toContain("oh-very-secret-key");
    const view = await (await get(ada, "openhands")).json();
    expect(view.agent_type).toBe("opendevin");
    expect(JSON.stringify(view)).not.toContain("oh-very-secret-key");
    const list = await (await listConfigs(await browserRequest(ada.id, "/api/admin/agents"))).json();
    expect(list.agents.map((a: { agent_type: string }) => a.agent_type)).toEqual(expect.arrayContaining(["claude", "claude-code", "goose", "auggie", "ollama", "opendevin"]));
    expect(JSON.stringify(list)).not.toContain("oh-very-secret-key");
    // Removing the secret clears it.
    await put(ada, "opendevin", { secrets: { api_key: null } });
    expect((await resolveAgentSettings(db, "opendevin")).apiKey).toBeUndefined();
  });

  it("rejects bad input with 422 and writes nothing", async () => {
    const before = await db.select().from(auditEvents).where(eq(auditEvents.eventType, "agent.configured"));
    const bad = [
      { settings: { no_such_setting: "x" } },
      { settings: { api_key: "sk-plain" } },
      { settings: { max_tokens: "lots" } },
      { settings: { max_tokens: -3 } },
      { settings: { base_url: "ftp://example.com" } },
      { secrets: { model: "x" } },
      { extra: true },
    ];
    for (const body of bad) {
      const res = await put(ada, "claude", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await res.json()).error.code).toBe("validation_failed");
    }
    const envName = await put(ada, "goose", { settings: { api_key_env: "LD_PRELOAD" } });
    expect(envName.status).toBe(422);
    const pm = await put(ada, "claude-code", { settings: { permission_mode: "yolo" } });
    expect(pm.status).toBe(422);
    expect((await pm.json()).error.details.issues[0]).toEqual({ path: "settings.permission_mode", message: "must be one of default, acceptEdits, plan, bypassPermissions" });
    const after = await db.select().from(auditEvents).where(eq(auditEvents.eventType, "agent.configured"));
    expect(after.length).toBe(before.length);
    expect((await put(ada, "no-such-agent", { enabled: false })).status).toBe(404);
    expect((await get(ada, "Bad Type!")).status).toBe(400);
  });

  it("needs agent:configure", async () => {
    expect((await get(dev, "claude")).status).toBe(403);
    expect((await put(dev, "claude", { enabled: false })).status).toBe(403);
    expect((await listConfigs(await browserRequest(dev.id, "/api/admin/agents"))).status).toBe(403);
    const anonymous = await getConfig(new Request("http://localhost/api/admin/agents/claude"), routeParams({ type: "claude" }));
    expect(anonymous.status).toBe(401);
  });

  it("lists agents with availability and precise reasons", async () => {
    clearProbeCache();
    await put(ada, "claude", { secrets: { api_key: null } });
    await put(ada, "opendevin", { settings: { url: null } });
    await put(ada, "goose", { settings: { bin: "goose-not-installed-here" } });
    await put(ada, "claude-code", { settings: { bin: `${FAKE_BIN}/claude` } });
    await put(ada, "ollama", { settings: { host: ollama.url, model: "qwen2.5-coder:7b" } });
    await put(ada, "auggie", { enabled: false });
    const res = await listAgents(await browserRequest(dev.id, "/api/runtime/agents"));
    expect(res.status).toBe(200);
    const { agents } = (await res.json()) as { agents: Array<Record<string, unknown>> };
    const byType = Object.fromEntries(agents.map((a) => [a.agent_type, a]));
    expect(byType.claude).toMatchObject({ available: false, reason: "ANTHROPIC_API_KEY not set", enabled: true, name: "Claude (API)", backend: "Anthropic Messages API" });
    expect(byType.goose).toMatchObject({ available: false, reason: "goose-not-installed-here not found on PATH (set GOOSE_BIN to its path)" });
    expect(byType["claude-code"]).toMatchObject({ available: true, reason: null, version: "2.1.197 (Claude Code)" });
    expect(byType.ollama).toMatchObject({ available: true, version: "0.12.3" });
    expect(byType.auggie).toMatchObject({ available: false, enabled: false, reason: "Disabled by an administrator" });
    expect(byType.opendevin).toMatchObject({ available: false, reason: "OPENHANDS_URL not set", aliases: ["openhands"] });
    expect(JSON.stringify(agents)).not.toMatch(/sk-|secret/i);
  });

  it("lists Ollama's models for the admin UI", async () => {
    const res = await getModels(await browserRequest(ada.id, "/api/admin/agents/ollama/models"), routeParams({ type: "ollama" }));
    expect(res.status).toBe(200);
    expect((await res.json()).models.map((m: { name: string }) => m.name)).toEqual(["qwen2.5-coder:7b", "llama3.2:latest"]);
    expect((await getModels(await browserRequest(ada.id, "/api/admin/agents/goose/models"), routeParams({ type: "goose" }))).status).toBe(404);
  });
});
