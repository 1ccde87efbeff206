import { describe, expect, it } from "vitest";
import { listAgentConfigs, ollamaModelsFor, updateAgentConfig } from "../../lib/agents";
import { createProject, deleteProject, listProjects, listTasks as listBoardTasks } from "../../lib/board";
import { listAgentTypes } from "../../lib/board/agents";
import { localRuntime } from "../../lib/runtime";
import { policyTargets } from "../../lib/runtime/policy-targets";
import { summarizeTasks } from "../../lib/runtime/summary";
import { listApiTokens, revokeApiToken } from "../../lib/security/api-tokens";
import { createAuditCheckpoint, exportAuditTrail, readAuditCheckpoints, readAuditTrail, verifyAuditTrail } from "../../lib/security/audit-service";
import { countPendingDevices, decideDevice, listDevices } from "../../lib/security/devices";
import { createInvite, listInvites } from "../../lib/security/invites";
import { createPolicy, listPolicies } from "../../lib/security/policies";
import { listSessions, revokeSession } from "../../lib/security/runtime-sessions";
import { createUserAccount, getUser, listUsers, setGrant, updateUser } from "../../lib/security/users-admin";
import { deleteSkill, installSkillFromPath, setSkillEnabled } from "../../lib/skills";
import { routeHandlers } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, openSessionFor, routeParams } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit } from "../support/engine";

const { GET: listTasks } = routeHandlers("/api/runtime/tasks");
const { GET: getTask } = routeHandlers("/api/runtime/tasks/{id}");
const { GET: summary } = routeHandlers("/api/runtime/tasks/summary");
const { POST: revokeOwnDevice } = routeHandlers("/api/account/devices/{id}/revoke");
const { DELETE: endSession } = routeHandlers("/api/runtime/sessions/{id}");
const { POST: createToken, GET: listTokens } = routeHandlers("/api/account/tokens");
const { DELETE: revokeToken } = routeHandlers("/api/account/tokens/{id}");

describe("one permission-based rule for other people's objects; pending means read-only", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const ada = await createUser(db, { name: "Ada", role: "ADMIN" });
  const bob = await createUser(db, { name: "Bob", role: "DEVELOPER" });
  const bobsTask = await submit(database, bob, { prompt: "bob's secret work" });

  it("an ADMIN on a pending device sees only their own tasks: no all=true, others' tasks answer 404", async () => {
    const pending = await openSessionFor(db, ada.id, { trust: "pending" });
    expect((await listTasks(bearerRequest(pending.token, "/api/runtime/tasks?all=true"))).status).toBe(403);
    expect((await summary(bearerRequest(pending.token, "/api/runtime/tasks/summary?all=true"))).status).toBe(403);
    const own = await (await listTasks(bearerRequest(pending.token, "/api/runtime/tasks"))).json();
    expect(own.tasks.map((t: { task_id: string }) => t.task_id)).not.toContain(bobsTask);
    expect((await getTask(bearerRequest(pending.token, "/x"), routeParams({ id: bobsTask }))).status).toBe(404);
    // The same admin on a trusted credential may act for others.
    const token = await apiTokenFor(db, ada.id);
    expect((await getTask(bearerRequest(token.token, "/x"), routeParams({ id: bobsTask }))).status).toBe(200);
    const all = await (await listTasks(bearerRequest(token.token, "/api/runtime/tasks?all=true"))).json();
    expect(all.tasks.map((t: { task_id: string }) => t.task_id)).toContain(bobsTask);
  });

  it("a pending-device session cannot lock its owner out: no revoking their devices, ending their sessions, or touching tokens", async () => {
    const laptop = await openSessionFor(db, bob.id, { trust: "trusted" });
    const intruder = await openSessionFor(db, bob.id, { trust: "pending" });
    const bobsToken = await apiTokenFor(db, bob.id);
    const as = (url: string, init?: RequestInit) => bearerRequest(intruder.token, url, init);

    expect((await revokeOwnDevice(as("/x", { method: "POST" }), routeParams({ id: laptop.devicePk }))).status).toBe(403);
    expect((await endSession(as("/x", { method: "DELETE" }), routeParams({ id: laptop.sessionId }))).status).toBe(403);
    expect((await revokeToken(as("/x", { method: "DELETE" }), routeParams({ id: bobsToken.id }))).status).toBe(403);
    expect((await createToken(as("/x", { method: "POST", body: JSON.stringify({ name: "mine now" }) }))).status).toBe(403);
    // Reading stays possible, and the laptop still works.
    expect((await listTokens(as("/api/account/tokens"))).status).toBe(200);
    expect((await getTask(bearerRequest(laptop.token, "/x"), routeParams({ id: bobsTask }))).status).toBe(200);
    // A session may always end itself.
    expect((await endSession(as("/x", { method: "DELETE" }), routeParams({ id: intruder.sessionId }))).status).toBe(204);
    expect((await listTokens(as("/api/account/tokens"))).status).toBe(401);
  });

  it("every service function checks its own permission: called without it (no transport in between), it refuses", async () => {
    const guest = contextFor(await createUser(db, { name: "Gus", role: "GUEST" }));
    const someone = bob.id;
    const calls: [string, () => Promise<unknown>][] = [
      ["listUsers", () => listUsers(db, guest, {})],
      ["getUser", () => getUser(db, guest, someone)],
      ["createUserAccount", () => createUserAccount(db, guest, { email: "x@example.com", name: "X", role: "ADMIN", password: "a long enough password" })],
      ["updateUser", () => updateUser(db, guest, someone, { role: "ADMIN" })],
      ["setGrant", () => setGrant(db, guest, guest.user.id, "admin:users", true)],
      ["createInvite", () => createInvite(db, guest, { role: "ADMIN", expires_in_days: 7 })],
      ["listInvites", () => listInvites(db, guest)],
      ["listDevices (everyone's)", () => listDevices(db, guest, {})],
      ["countPendingDevices", () => countPendingDevices(db, guest)],
      ["decideDevice (approve)", () => decideDevice(db, guest, crypto.randomUUID(), "trusted")],
      ["listPolicies", () => listPolicies(db, guest, {})],
      ["createPolicy", () => createPolicy(db, guest, { kind: "agent", target: "*", subject_type: "role", subject_role: "GUEST", effect: "allow" }, policyTargets)],
      ["listApiTokens (everyone's)", () => listApiTokens(db, guest, {})],
      ["revokeApiToken (as admin)", () => revokeApiToken(db, guest, crypto.randomUUID(), { asAdmin: true })],
      ["listSessions (everyone's)", () => listSessions(db, guest, {})],
      ["readAuditTrail", () => readAuditTrail(db, guest, {}, { limit: 10, order: "desc" })],
      ["verifyAuditTrail", () => verifyAuditTrail(db, guest)],
      ["exportAuditTrail", () => exportAuditTrail(db, guest, {}, "csv")],
      ["createAuditCheckpoint", () => createAuditCheckpoint(db, guest)],
      ["readAuditCheckpoints", () => readAuditCheckpoints(db, guest, 10)],
      ["listAgentConfigs", () => listAgentConfigs(db, guest)],
      ["updateAgentConfig", () => updateAgentConfig(db, guest, "ollama", { enabled: false })],
      ["ollamaModelsFor", () => ollamaModelsFor(db, guest)],
      ["setSkillEnabled", () => setSkillEnabled(db, guest, "code-review", false)],
      ["deleteSkill", () => deleteSkill(db, guest, "code-review")],
      ["installSkillFromPath", () => installSkillFromPath(db, guest, "/tmp")],
      ["listProjects", () => listProjects(db, guest, { limit: 10 })],
      ["createProject", () => createProject(db, { ctx: guest, input: { key: "NOPE", name: "nope" } })],
      ["deleteProject", () => deleteProject(db, { ctx: guest, id: crypto.randomUUID() })],
      ["board listTasks", () => listBoardTasks(db, { ctx: guest, query: { limit: 10 } })],
      ["summarizeTasks", () => summarizeTasks(db, guest, { all: false, hours: 24 })],
      ["runtime submitTask", async () => (await localRuntime()).submitTask(guest, { agent_type: "test-echo", prompt: "x", context: {}, skills: [] })],
      ["runtime listTasks", async () => (await localRuntime()).listTasks(guest, { limit: 10 })],
      ["runtime putMemory", async () => (await localRuntime()).putMemory(guest, crypto.randomUUID(), "k", 1)],
    ];
    const allowed: string[] = [];
    for (const [name, call] of calls) {
      const outcome = await call().then(
        () => "succeeded",
        (error: { code?: string }) => error.code ?? String(error),
      );
      // putMemory on an unknown session may answer 404 first; everything else must be a refusal.
      if (outcome !== "forbidden" && !(name === "runtime putMemory" && outcome === "not_found")) allowed.push(`${name}: ${outcome}`);
    }
    expect(allowed).toEqual([]);
    // Agent types are for anyone with agent:list, which guests hold.
    await expect(listAgentTypes(guest)).resolves.toMatchObject({ types: expect.any(Array) });
  });

  it("ending someone else's session needs the permission to act for others, from a trusted credential", async () => {
    const bobs = await openSessionFor(db, bob.id);
    const eve = contextFor(await createUser(db, { name: "Eve", role: "DEVELOPER" }));
    await expect(revokeSession(db, eve, bobs.sessionId)).rejects.toMatchObject({ code: "not_found" });
    await revokeSession(db, contextFor(ada), bobs.sessionId);
  });
});
