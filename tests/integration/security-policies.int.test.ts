import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { accessPolicies, skills } from "../../lib/db/schema";
import { browserRequest, createUser, openSessionFor, bearerRequest, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { GET: availableAgents } = routeHandlers("/api/agents/available");
const { POST: createPolicy } = routeHandlers("/api/admin/policies");
const { GET: listAgents } = routeHandlers("/api/runtime/agents");
const { POST: submitTask } = routeHandlers("/api/runtime/tasks/submit");

interface Listing {
  agent_type: string;
  available: boolean;
  usable: boolean;
  usable_reason: string | null;
}

const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

/** Policies mean what they say: targets are normalised and checked, aliases cannot dodge a rule, and pickers see the outcome. */
describe("agent and skill policies", async () => {
  const { db } = await useTestDatabase();
  let admin: TestUser;
  let ada: TestUser;
  let bob: TestUser;
  let viewer: TestUser;

  const policy = async (body: Record<string, unknown>) => {
    const res = await createPolicy(await browserRequest(admin.id, "/api/admin/policies", json(body)));
    return { status: res.status, body: await res.json() };
  };
  const submitAs = async (user: TestUser, agentType: string) =>
    (await submitTask(await browserRequest(user.id, "/api/runtime/tasks/submit", json({ agent_type: agentType, prompt: "hello" })))).status;
  const agentsFor = async (req: Request) => ((await (await listAgents(req)).json()) as { agents: Listing[] }).agents;
  const entry = (agents: Listing[], type: string) => agents.find((a) => a.agent_type === type)!;

  beforeAll(async () => {
    admin = await createUser(db, { name: "Admin", role: "ADMIN" });
    ada = await createUser(db, { name: "Ada" });
    bob = await createUser(db, { name: "Bob" });
    viewer = await createUser(db, { name: "Vera", role: "VIEWER" });
  });

  it("a deny on the alias openhands is stored as opendevin and enforced for both names", async () => {
    const created = await policy({ kind: "agent", target: "openhands", subject_type: "user", subject_user_id: ada.id, effect: "deny" });
    expect(created.status).toBe(201);
    expect(created.body.target).toBe("opendevin");
    expect(await submitAs(ada, "openhands")).toBe(403);
    expect(await submitAs(ada, "opendevin")).toBe(403);
    // Bob is not named by the rule: his submit passes the policy (the task is queued).
    expect(await submitAs(bob, "openhands")).toBe(202);
  });

  it("a rule stored under an alias before normalisation existed is enforced too", async () => {
    await db.insert(accessPolicies).values({ kind: "agent", target: "openhands", subjectType: "user", subjectUserId: bob.id, effect: "deny" });
    expect(await submitAs(bob, "opendevin")).toBe(403);
    expect(entry(await agentsFor(await browserRequest(bob.id, "/api/runtime/agents")), "opendevin")).toMatchObject({ usable: false, usable_reason: expect.stringMatching(/policy/) });
    const phase1 = (await (await availableAgents(await browserRequest(bob.id, "/api/agents/available"))).json()) as { available_agents: string[] };
    expect(phase1.available_agents).not.toContain("opendevin");
  });

  it("targets are case-normalised; unknown agents and skills are refused with 422 naming what exists", async () => {
    const upper = await policy({ kind: "agent", target: "Claude-Code", subject_type: "role", subject_role: "GUEST", effect: "deny" });
    expect(upper.status).toBe(201);
    expect(upper.body.target).toBe("claude-code");
    const unknownAgent = await policy({ kind: "agent", target: "skynet", subject_type: "role", subject_role: "GUEST", effect: "deny" });
    expect(unknownAgent.status).toBe(422);
    expect(unknownAgent.body.error.message).toMatch(/Unknown agent "skynet"; known agent types: .*claude/);
    const unknownSkill = await policy({ kind: "skill", target: "no-such-skill", subject_type: "role", subject_role: "GUEST", effect: "deny" });
    expect(unknownSkill.status).toBe(422);
    expect(unknownSkill.body.error.message).toMatch(/No skill named "no-such-skill"/);
    const everything = await policy({ kind: "skill", target: "*", subject_type: "role", subject_role: "GUEST", effect: "deny" });
    expect(everything.status).toBe(201);
    const rows = await db.select().from(accessPolicies).where(and(eq(accessPolicies.kind, "agent"), eq(accessPolicies.target, "skynet")));
    expect(rows).toHaveLength(0);
  });

  it("an installed skill can be named (and only by its real name)", async () => {
    await db.insert(skills).values({ name: "policy-skill", description: "d", instructions: "i", path: "/nonexistent/policy-skill", source: "test", checksum: "x", fileCount: 1, sizeBytes: 1 }).onConflictDoNothing();
    const created = await policy({ kind: "skill", target: "Policy-Skill", subject_type: "user", subject_user_id: ada.id, effect: "deny" });
    expect(created.status).toBe(201);
    expect(created.body.target).toBe("policy-skill");
  });

  it("GET /api/runtime/agents tells each caller which agents they may use, and why not", async () => {
    const adaAgents = await agentsFor(await browserRequest(ada.id, "/api/runtime/agents"));
    expect(entry(adaAgents, "test-echo")).toMatchObject({ available: true, usable: true, usable_reason: null });
    expect(entry(adaAgents, "opendevin")).toMatchObject({ usable: false, usable_reason: "A policy does not allow you to use this agent" });
    // Unavailable agents are not usable either, with the probe's reason.
    const claude = entry(adaAgents, "claude");
    expect(claude.available).toBe(false);
    expect(claude).toMatchObject({ usable: false, usable_reason: expect.stringMatching(/ANTHROPIC_API_KEY/) });

    const viewerAgents = await agentsFor(await browserRequest(viewer.id, "/api/runtime/agents"));
    expect(entry(viewerAgents, "test-echo")).toMatchObject({ available: true, usable: false, usable_reason: expect.stringMatching(/VIEWER.*agent:execute/) });

    const pending = await openSessionFor(db, ada.id, { trust: "pending" });
    const pendingAgents = await agentsFor(bearerRequest(pending.token, "/api/runtime/agents"));
    expect(entry(pendingAgents, "test-echo")).toMatchObject({ usable: false, usable_reason: expect.stringMatching(/not approved/) });
  });
});
