import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, boardTasks, projects, type Role } from "../../lib/db/schema";
import { ROLE_PERMISSIONS, ROLES, type Permission } from "../../lib/security/permissions";
import { apiTokenFor, bearerRequest, browserRequest, createUser, openSessionFor, routeParams } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const agentsAvailable = routeHandlers("/api/agents/available");
const agentTypes = routeHandlers("/api/agents/types");
const projectOne = routeHandlers("/api/projects/{id}");
const projectList = routeHandlers("/api/projects");
const taskMove = routeHandlers("/api/tasks/{id}/move");
const taskOne = routeHandlers("/api/tasks/{id}");
const taskList = routeHandlers("/api/tasks");

type Handler = (req: Request, ctx?: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface Endpoint {
  name: string;
  permission: Permission;
  method: string;
  handler: Handler;
  url: (ids: Fixture) => string;
  params?: (ids: Fixture) => Record<string, string>;
  body?: (ids: Fixture, role: Role) => unknown;
}

interface Fixture {
  projectId: string;
  taskId: string;
}

// Each endpoint with the permission its route declares; the matrix below is derived from the
// role table, so changing a role's permissions changes the expectations with it.
const ENDPOINTS: Endpoint[] = [
  { name: "GET /api/projects", permission: "project:read", method: "GET", handler: projectList.GET, url: () => "/api/projects" },
  {
    name: "POST /api/projects",
    permission: "project:write",
    method: "POST",
    handler: projectList.POST,
    url: () => "/api/projects",
    body: (_ids, role) => ({ key: `R${role.slice(0, 3)}`, name: `made by ${role}` }),
  },
  { name: "GET /api/projects/{id}", permission: "project:read", method: "GET", handler: projectOne.GET, url: (f) => `/api/projects/${f.projectId}`, params: (f) => ({ id: f.projectId }) },
  {
    name: "PATCH /api/projects/{id}",
    permission: "project:write",
    method: "PATCH",
    handler: projectOne.PATCH,
    url: (f) => `/api/projects/${f.projectId}`,
    params: (f) => ({ id: f.projectId }),
    body: (_ids, role) => ({ description: `edited by ${role}` }),
  },
  { name: "GET /api/tasks", permission: "project:read", method: "GET", handler: taskList.GET, url: () => "/api/tasks" },
  {
    name: "POST /api/tasks",
    permission: "project:write",
    method: "POST",
    handler: taskList.POST,
    url: () => "/api/tasks",
    body: (f, role) => ({ project_id: f.projectId, title: `by ${role}` }),
  },
  { name: "GET /api/tasks/{id}", permission: "project:read", method: "GET", handler: taskOne.GET, url: (f) => `/api/tasks/${f.taskId}`, params: (f) => ({ id: f.taskId }) },
  {
    name: "PATCH /api/tasks/{id}",
    permission: "project:write",
    method: "PATCH",
    handler: taskOne.PATCH,
    url: (f) => `/api/tasks/${f.taskId}`,
    params: (f) => ({ id: f.taskId }),
    body: () => ({ priority: "high" }),
  },
  {
    name: "POST /api/tasks/{id}/move",
    permission: "project:write",
    method: "POST",
    handler: taskMove.POST,
    url: (f) => `/api/tasks/${f.taskId}/move`,
    params: (f) => ({ id: f.taskId }),
    body: () => ({ status: "in_review" }),
  },
  { name: "GET /api/agents/types", permission: "agent:list", method: "GET", handler: agentTypes.GET, url: () => "/api/agents/types" },
  { name: "GET /api/agents/available", permission: "agent:list", method: "GET", handler: agentsAvailable.GET, url: () => "/api/agents/available" },
];

describe("board: permissions by role", async () => {
  const database = await useTestDatabase();
  const db = database.db;
  const users = {} as Record<Role, string>;
  let fixture: Fixture;

  beforeAll(async () => {
    for (const role of ROLES) users[role] = (await createUser(db, { role, name: role.toLowerCase() })).id;
    const [project] = await db.insert(projects).values({ key: "PERM", name: "Permissions", taskCounter: 1 }).returning();
    const [task] = await db.insert(boardTasks).values({ projectId: project.id, number: 1, key: "PERM-1", title: "card" }).returning();
    fixture = { projectId: project.id, taskId: task.id };
  });

  async function call(endpoint: Endpoint, role: Role): Promise<Response> {
    const body = endpoint.body?.(fixture, role);
    const req = await browserRequest(users[role], endpoint.url(fixture), {
      method: endpoint.method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return endpoint.handler(req, endpoint.params ? routeParams(endpoint.params(fixture)) : undefined);
  }

  const cases = ENDPOINTS.flatMap((endpoint) => ROLES.map((role) => ({ endpoint, role, allowed: ROLE_PERMISSIONS[role].includes(endpoint.permission) })));

  it.each(cases.map((c) => [c.endpoint.name, c.role, c.allowed ? "allowed" : "403", c] as const))("%s as %s: %s", async (_name, role, _expect, c) => {
    const res = await call(c.endpoint, role);
    if (c.allowed) {
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    } else {
      expect(res.status).toBe(403);
      expect((await res.json()).error).toMatchObject({ code: "forbidden", details: { permission: c.endpoint.permission } });
    }
  });

  it("DELETE needs project:write for tasks and project:delete for projects", async () => {
    const [task] = await db.insert(boardTasks).values({ projectId: fixture.projectId, number: 99, key: "PERM-99", title: "doomed" }).returning();
    for (const role of ["VIEWER", "GUEST"] as const) {
      const res = await taskOne.DELETE(await browserRequest(users[role], `/api/tasks/${task.id}`, { method: "DELETE" }), routeParams({ id: task.id }));
      expect(res.status).toBe(403);
    }
    const res = await taskOne.DELETE(await browserRequest(users.DEVELOPER, `/api/tasks/${task.id}`, { method: "DELETE" }), routeParams({ id: task.id }));
    expect(res.status).toBe(204);

    for (const role of ["DEVELOPER", "VIEWER", "GUEST"] as const) {
      const denied = await projectOne.DELETE(await browserRequest(users[role], `/api/projects/${fixture.projectId}`, { method: "DELETE" }), routeParams({ id: fixture.projectId }));
      expect(denied.status).toBe(403);
    }
    expect(await db.select().from(projects).where(eq(projects.id, fixture.projectId))).toHaveLength(1);
  });

  it("a VIEWER reads the board but every write is refused and leaves no trace but the denial", async () => {
    const before = (await db.select().from(boardTasks)).length;
    const res = await taskList.POST(
      await browserRequest(users.VIEWER, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: fixture.projectId, title: "nope" }) }),
    );
    expect(res.status).toBe(403);
    expect(await db.select().from(boardTasks)).toHaveLength(before);
    const denials = await db.select().from(auditEvents).where(eq(auditEvents.eventType, "permission.denied"));
    expect(denials.some((d) => d.actorUserId === users.VIEWER && d.action === "project:write")).toBe(true);
  });

  it("works with an API token the way the README shows", async () => {
    const { token } = await apiTokenFor(db, users.DEVELOPER);
    const created = await projectList.POST(bearerRequest(token, "/api/projects", { method: "POST", body: JSON.stringify({ key: "TOKEN", name: "Via token" }) }));
    expect(created.status).toBe(201);
    const project = await created.json();
    const task = await taskList.POST(bearerRequest(token, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: project.id, title: "Via token" }) }));
    expect(await task.json()).toMatchObject({ key: "TOKEN-1", created_by: users.DEVELOPER });
    const listed = await taskList.GET(bearerRequest(token, `/api/tasks?project_id=${project.id}`));
    expect((await listed.json()).map((t: { key: string }) => t.key)).toEqual(["TOKEN-1"]);
    const bad = await projectList.GET(bearerRequest("ccl_pat_not-a-real-token", "/api/projects"));
    expect(bad.status).toBe(401);
  });

  it("a session on a device not yet trusted reads the board but cannot write to it", async () => {
    const pending = await openSessionFor(db, users.DEVELOPER, { trust: "pending" });
    expect((await projectList.GET(bearerRequest(pending.token, "/api/projects"))).status).toBe(200);
    const refused = await taskList.POST(bearerRequest(pending.token, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: fixture.projectId, title: "from a pending device" }) }));
    expect(refused.status).toBe(403);
    const trusted = await openSessionFor(db, users.DEVELOPER, { trust: "trusted" });
    const allowed = await taskList.POST(bearerRequest(trusted.token, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: fixture.projectId, title: "from a trusted device" }) }));
    expect(allowed.status).toBe(201);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.resourceId, (await allowed.json()).id));
    expect(event).toMatchObject({ eventType: "resource.created", sessionId: trusted.sessionId, deviceId: trusted.deviceId });
  });

  it("answers 401 without credentials", async () => {
    const res = await projectList.GET(new Request("http://localhost/api/projects"));
    expect(res.status).toBe(401);
  });
});
