import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateAgentConfig } from "../../lib/agents/config";
import type { Worker } from "../../lib/runtime";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-server";
import { apiTokenFor, bearerRequest, browserRequest, createUser, openSessionFor, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, testWorker } from "../support/engine";
import { routeHandlers } from "../support/api";

const { PATCH: updateUser } = routeHandlers("/api/admin/users/{id}");
const { GET: auditEvents } = routeHandlers("/api/audit/events");
const { GET: sessionActivity } = routeHandlers("/api/audit/sessions/{session_id}/activity");
const { GET: userActivity } = routeHandlers("/api/audit/users/{user_id}/activity");
const { GET: listAgents } = routeHandlers("/api/runtime/agents");
const { GET: getSession } = routeHandlers("/api/runtime/sessions/{id}");
const { POST: openSession } = routeHandlers("/api/runtime/sessions");
const { GET: listSkills } = routeHandlers("/api/runtime/skills");
const { POST: cancelTask } = routeHandlers("/api/runtime/tasks/{id}/cancel");
const { GET: taskState } = routeHandlers("/api/runtime/tasks/{id}/state");
const { GET: listTasks } = routeHandlers("/api/runtime/tasks");
const { POST: submitTask } = routeHandlers("/api/runtime/tasks/submit");

const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });
type Json = Record<string, unknown>;

/**
 * Every request and response example in the seed documents (PHASE1_VS_PHASE2.md's migration
 * path, PHASE2.md's API examples), replayed over HTTP as a client would send them: same paths,
 * same bodies, same field names read from the answers. The seeds leave the credential out; our
 * client sends an API token, as the README says.
 */
describe("the seeds' documented client flow", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let fake: FakeAnthropic;
  let worker: Worker;
  let me: TestUser;
  let user: TestUser;
  let admin: TestUser;
  let teammate: TestUser;
  let meToken: string;
  let userToken: string;
  let adminToken: string;

  const call = async (res: Promise<Response> | Response) => {
    const r = await res;
    return { status: r.status, body: (await r.json()) as Json };
  };
  const stateOf = (token: string, id: string) => call(taskState(bearerRequest(token, `/api/runtime/tasks/${id}/state`), routeParams({ id })));

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    me = await createUser(db, { email: "me@example.com", name: "Me" });
    user = await createUser(db, { email: "user@example.com", name: "User" });
    admin = await createUser(db, { email: "admin@example.com", name: "Admin", role: "ADMIN" });
    teammate = await createUser(db, { email: "developer@team.com", name: "Dev", role: "VIEWER" });
    meToken = (await apiTokenFor(db, me.id)).token;
    userToken = (await apiTokenFor(db, user.id)).token;
    adminToken = (await apiTokenFor(db, admin.id)).token;
    await updateAgentConfig(db, contextFor(admin), "claude", { settings: { base_url: fake.url, max_retries: 0 }, secrets: { api_key: "sk-ant-seeds" } });
    worker = await testWorker(database);
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
  });

  describe("PHASE1_VS_PHASE2.md: adopt Phase 2 gradually", () => {
    let session: Json;
    let task: Json;

    it('1. start with sessions: POST /api/runtime/sessions {"user_id": "me@example.com"}', async () => {
      const res = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({ user_id: "me@example.com" }))));
      expect(res.status).toBe(201);
      session = res.body;
      expect(session.session_id).toEqual(expect.any(String));
      expect(session.user_id).toBe(me.id);
      // No device_id: the token's stable default device, pending like any new device.
      expect(session.device).toMatchObject({ trust: "pending" });
    });

    it("2. submit tasks with session context: POST /api/runtime/tasks/submit", async () => {
      const res = await call(submitTask(bearerRequest(meToken, "/api/runtime/tasks/submit", post({ agent_type: "claude", prompt: "Generate code", session_id: session.session_id }))));
      expect(res.status).toBe(202);
      task = res.body;
      expect(task).toMatchObject({ task_id: expect.any(String), state: "PENDING", session_id: session.session_id, agent_type: "claude" });
    });

    it("3. monitor with state queries: GET /api/runtime/tasks/{task_id}/state → state, success", async () => {
      const id = String(task.task_id);
      await expect.poll(async () => (await stateOf(meToken, id)).body.state, POLL).toBe("COMPLETED");
      const state = (await stateOf(meToken, id)).body;
      expect(state).toMatchObject({ task_id: id, state: "COMPLETED", success: true, result: expect.objectContaining({ output: "Hello from the fake model." }) });
    });

    it('4. add RBAC: rbac.assign_role("developer@team.com", Role.DEVELOPER) is PATCH /api/admin/users/{id} {role}', async () => {
      const res = await call(updateUser(bearerRequest(adminToken, `/api/admin/users/${teammate.id}`, { method: "PATCH", body: JSON.stringify({ role: "DEVELOPER" }) }), routeParams({ id: teammate.id })));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ email: "developer@team.com", role: "DEVELOPER" });
    });

    it("5. audit logs: GET /api/audit/events with params session_id=admin_session_id, limit=100", async () => {
      const adminSession = (await call(openSession(bearerRequest(adminToken, "/api/runtime/sessions", post({ user_id: "admin@example.com" }))))).body;
      const res = await call(auditEvents(bearerRequest(adminToken, `/api/audit/events?session_id=${adminSession.session_id}&limit=100`)));
      expect(res.status).toBe(200);
      const events = res.body.events as { event_type: string; session_id: string }[];
      expect(events.map((e) => e.event_type)).toContain("session.created");
      expect(events.every((e) => e.session_id === adminSession.session_id)).toBe(true);
    });
  });

  describe("PHASE2.md: the API examples", () => {
    let session: Json;

    it('POST /api/runtime/sessions {"user_id": "user@example.com", "device_id": "device-123"}', async () => {
      const res = await call(openSession(bearerRequest(userToken, "/api/runtime/sessions", post({ user_id: "user@example.com", device_id: "device-123" }))));
      expect(res.status).toBe(201);
      session = res.body;
      expect(session).toMatchObject({ session_id: expect.any(String), user_id: user.id, device: { device_id: "device-123", trust: "pending" }, session_token: expect.stringMatching(/^ccl_ses_/) });
    });

    it("GET /api/runtime/sessions/{session_id}: session info", async () => {
      const id = String(session.session_id);
      const res = await call(getSession(bearerRequest(userToken, `/api/runtime/sessions/${id}`), routeParams({ id })));
      expect(res).toMatchObject({ status: 200, body: { session_id: id, status: "active", device: { device_id: "device-123" } } });
    });

    it('POST /api/runtime/tasks/submit {"agent_type": "claude", "prompt": "Create API endpoint", "session_id": …}, then GET …/state', async () => {
      const res = await call(submitTask(bearerRequest(userToken, "/api/runtime/tasks/submit", post({ agent_type: "claude", prompt: "Create API endpoint", session_id: session.session_id }))));
      expect(res.status).toBe(202);
      const id = String(res.body.task_id);
      await expect.poll(async () => (await stateOf(userToken, id)).body.state, POLL).toBe("COMPLETED");
      expect((await stateOf(userToken, id)).body).toMatchObject({ task_id: id, success: true });
    });

    it('the runtime\'s TaskSubmission(task_id=…, agent_type="claude", prompt="Generate login component", context={"project": "my-app"})', async () => {
      const taskId = randomUUID();
      const res = await call(submitTask(bearerRequest(userToken, "/api/runtime/tasks/submit", post({ task_id: taskId, agent_type: "claude", prompt: "Generate login component", context: { project: "my-app" } }))));
      expect(res).toMatchObject({ status: 202, body: { task_id: taskId, context: { project: "my-app" } } });
    });

    it("POST /api/runtime/tasks/{task_id}/cancel", async () => {
      const submitted = await call(submitTask(bearerRequest(userToken, "/api/runtime/tasks/submit", post({ agent_type: "claude", prompt: "Keep going [scenario:hang]", session_id: session.session_id }))));
      const id = String(submitted.body.task_id);
      await expect.poll(async () => (await stateOf(userToken, id)).body.state, POLL).toBe("RUNNING");
      const res = await call(cancelTask(bearerRequest(userToken, `/api/runtime/tasks/${id}/cancel`, { method: "POST" }), routeParams({ id })));
      expect(res).toMatchObject({ status: 200, body: { task_id: id, cancel_requested: true } });
      await expect.poll(async () => (await stateOf(userToken, id)).body.state, POLL).toBe("CANCELLED");
      expect((await stateOf(userToken, id)).body.success).toBe(false);
    });

    it("GET /api/runtime/agents and GET /api/runtime/skills", async () => {
      const agents = await call(listAgents(bearerRequest(userToken, "/api/runtime/agents")));
      expect(agents.status).toBe(200);
      expect((agents.body.agents as { agent_type: string }[]).map((a) => a.agent_type)).toEqual(expect.arrayContaining(["claude", "claude-code", "goose", "auggie", "ollama", "opendevin"]));
      expect((await call(listSkills(bearerRequest(userToken, "/api/runtime/skills")))).status).toBe(200);
    });

    it("GET /api/audit/events?session_id={session_id}&limit=100 (admin)", async () => {
      const res = await call(auditEvents(bearerRequest(adminToken, `/api/audit/events?session_id=${session.session_id}&limit=100`)));
      expect(res.status).toBe(200);
      const types = (res.body.events as { event_type: string }[]).map((e) => e.event_type);
      expect(types).toEqual(expect.arrayContaining(["session.created", "task.submitted", "task.completed", "task.cancelled"]));
    });

    it("GET /api/audit/users/{user_id}/activity?session_id={session_id}: yourself", async () => {
      const res = await call(userActivity(bearerRequest(userToken, `/api/audit/users/${user.id}/activity?session_id=${session.session_id}`), routeParams({ user_id: user.id })));
      expect(res.status).toBe(200);
      const events = res.body.events as { session_id: string; actor_user_id: string }[];
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.session_id === session.session_id && e.actor_user_id === user.id)).toBe(true);
    });

    it("GET /api/audit/sessions/{session_id}/activity", async () => {
      const id = String(session.session_id);
      const res = await call(sessionActivity(bearerRequest(userToken, `/api/audit/sessions/${id}/activity`), routeParams({ session_id: id })));
      expect(res.status).toBe(200);
      expect((res.body.events as unknown[]).length).toBeGreaterThan(0);
    });
  });

  describe("user_id names the caller, device_id is optional", () => {
    it("user_id may be the caller's id or email in any case; anyone else's answers 403, whether or not they exist", async () => {
      const byId = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({ user_id: me.id, device_id: "me-laptop" }))));
      expect(byId.status).toBe(201);
      const byEmail = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({ user_id: "ME@Example.COM", device_id: "me-laptop" }))));
      expect(byEmail.status).toBe(201);
      for (const other of [user.email, user.id, "nobody@example.com", randomUUID()]) {
        const res = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({ user_id: other, device_id: "me-laptop" }))));
        expect(res.status).toBe(403);
        expect((res.body.error as Json).message).toMatch(/user_id must name you/);
      }
    });

    it("without device_id, one stable default device per credential", async () => {
      const first = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({}))));
      const second = await call(openSession(bearerRequest(meToken, "/api/runtime/sessions", post({ user_id: "me@example.com" }))));
      const otherToken = (await apiTokenFor(db, me.id, { name: "second" })).token;
      const third = await call(openSession(bearerRequest(otherToken, "/api/runtime/sessions", post({}))));
      const deviceOf = (r: { body: Json }) => (r.body.device as Json).device_id;
      expect(deviceOf(first)).toBe(deviceOf(second));
      expect(deviceOf(third)).not.toBe(deviceOf(first));
      expect(first.body.device).toMatchObject({ trust: "pending" });
      expect(first.body.permissions).toEqual(["agent:list", "project:read", "skill:list", "task:view"]);
    });
  });

  describe("a session_id in a query string is bound like one in a body", () => {
    it("a session token names only itself; anyone else names only their own sessions; admins filter by any", async () => {
      const mine = await openSessionFor(db, me.id);
      const alsoMine = await openSessionFor(db, me.id);
      const bobs = await openSessionFor(db, user.id);
      const tasks = (token: string, sessionId: string) => listTasks(bearerRequest(token, `/api/runtime/tasks?session_id=${sessionId}`));
      expect((await tasks(mine.token, mine.sessionId)).status).toBe(200);
      expect((await tasks(mine.token, alsoMine.sessionId)).status).toBe(403);
      expect((await tasks(meToken, alsoMine.sessionId)).status).toBe(200);
      expect((await tasks(meToken, bobs.sessionId)).status).toBe(403);
      expect((await tasks(meToken, "not-a-uuid")).status).toBe(400);
      const browser = await listTasks(await browserRequest(me.id, `/api/runtime/tasks?session_id=${bobs.sessionId}`));
      expect(browser.status).toBe(403);
      expect((await tasks(adminToken, bobs.sessionId)).status).toBe(200);

      const activity = (token: string, sessionId: string) =>
        userActivity(bearerRequest(token, `/api/audit/users/${me.id}/activity?session_id=${sessionId}`), routeParams({ user_id: me.id }));
      expect((await activity(mine.token, mine.sessionId)).status).toBe(200);
      expect((await activity(mine.token, alsoMine.sessionId)).status).toBe(403);
      expect((await activity(meToken, bobs.sessionId)).status).toBe(403);
      expect((await activity(adminToken, bobs.sessionId)).status).toBe(200);
    });
  });
});
