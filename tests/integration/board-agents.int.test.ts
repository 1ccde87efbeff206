import { beforeAll, describe, expect, it } from "vitest";
import { accessPolicies } from "../../lib/db/schema";
import { browserRequest, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { GET: AVAILABLE } = routeHandlers("/api/agents/available");
const { GET: TYPES } = routeHandlers("/api/agents/types");

interface AgentJson {
  agent_type: string;
  display_name: string;
  description: string;
  available?: boolean;
}

describe("board: /api/agents (Phase 1)", async () => {
  const database = await useTestDatabase();
  const db = database.db;
  let dev: TestUser;
  let guest: TestUser;

  beforeAll(async () => {
    dev = await createUser(db, { role: "DEVELOPER", name: "Dev" });
    guest = await createUser(db, { role: "GUEST", name: "Guest" });
  });

  it("lists every agent type with its display name and description", async () => {
    const res = await TYPES(await browserRequest(guest.id, "/api/agents/types"));
    expect(res.status).toBe(200);
    const { types } = (await res.json()) as { types: AgentJson[] };
    const echo = types.find((t) => t.agent_type === "test-echo");
    expect(echo).toMatchObject({ display_name: "Test echo", description: expect.any(String) });
    expect(types.map((t) => t.agent_type)).toEqual(expect.arrayContaining(["claude", "claude-code", "goose", "auggie", "ollama", "opendevin"]));
    expect(types.map((t) => t.agent_type)).toEqual([...types.map((t) => t.agent_type)].sort());
  });

  it("lists the agents the caller can run, in both the detailed and the Phase 1 shape", async () => {
    const res = await AVAILABLE(await browserRequest(dev.id, "/api/agents/available"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { agents: AgentJson[]; available_agents: string[] };
    expect(body.available_agents).toContain("test-echo");
    expect(body.agents.find((a) => a.agent_type === "test-echo")).toMatchObject({ available: true, display_name: "Test echo" });
    expect(body.agents.every((a) => a.available === true)).toBe(true);
  });

  it("leaves out an agent a policy denies the caller, but not others", async () => {
    await db.insert(accessPolicies).values({ kind: "agent", target: "test-echo", subjectType: "user", subjectUserId: dev.id, effect: "deny" });
    const mine = (await (await AVAILABLE(await browserRequest(dev.id, "/api/agents/available"))).json()) as { available_agents: string[] };
    expect(mine.available_agents).not.toContain("test-echo");
    const theirs = (await (await AVAILABLE(await browserRequest(guest.id, "/api/agents/available"))).json()) as { available_agents: string[] };
    expect(theirs.available_agents).toContain("test-echo");
  });
});
