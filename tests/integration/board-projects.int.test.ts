import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, boardTasks, projects } from "../../lib/db/schema";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { DELETE, GET: GET_ONE, PATCH } = routeHandlers("/api/projects/{id}");
const { GET, POST } = routeHandlers("/api/projects");
const { POST: CREATE_TASK } = routeHandlers("/api/tasks");

describe("board: /api/projects", async () => {
  const database = await useTestDatabase();
  const db = database.db;
  let admin: TestUser;
  let dev: TestUser;

  beforeAll(async () => {
    admin = await createUser(db, { role: "ADMIN", name: "Ada" });
    dev = await createUser(db, { role: "DEVELOPER", name: "Dev" });
  });

  const post = async (user: TestUser, body: unknown) =>
    POST(await browserRequest(user.id, "/api/projects", { method: "POST", body: JSON.stringify(body) }));

  it("creates a project, parses its GitHub URL and audits the write", async () => {
    const res = await post(admin, { key: "WEB", name: "Website", description: "Marketing site", github_url: "git@github.com:acme/website.git", local_path: "/srv/website" });
    expect(res.status).toBe(201);
    const project = await res.json();
    expect(project).toMatchObject({
      key: "WEB",
      name: "Website",
      description: "Marketing site",
      github_url: "git@github.com:acme/website.git",
      github_owner: "acme",
      github_repo: "website",
      local_path: "/srv/website",
      task_counter: 0,
      created_by: admin.id,
      task_counts: { todo: 0, in_progress: 0, in_review: 0, done: 0, blocked: 0, total: 0 },
    });
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceType, "project"), eq(auditEvents.resourceId, project.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ eventType: "resource.created", actorUserId: admin.id, outcome: "success" });
  });

  it("lets only administrators choose the server folder agents work in (local_path)", async () => {
    const refused = await post(dev, { key: "LOCAL", name: "Local", local_path: "/etc" });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.details).toEqual({ field: "local_path" });
    expect(await db.select().from(projects).where(eq(projects.key, "LOCAL"))).toHaveLength(0);
    const created = await (await post(dev, { key: "LOCAL", name: "Local" })).json();
    const patch = async (user: TestUser, body: unknown) =>
      PATCH(await browserRequest(user.id, `/api/projects/${created.id}`, { method: "PATCH", body: JSON.stringify(body) }), routeParams({ id: created.id }));
    expect((await patch(dev, { local_path: "/" })).status).toBe(403);
    expect((await patch(dev, { name: "Renamed" })).status).toBe(200);
    expect((await (await patch(admin, { local_path: "/srv/local" })).json()).local_path).toBe("/srv/local");
  });

  it("answers 409 for a taken key and writes nothing", async () => {
    await post(dev, { key: "DUP", name: "First" });
    const before = await db.select().from(auditEvents);
    const res = await post(dev, { key: "DUP", name: "Second" });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: "conflict", details: { field: "key" } });
    expect(await db.select().from(projects).where(eq(projects.key, "DUP"))).toHaveLength(1);
    expect(await db.select().from(auditEvents)).toHaveLength(before.length);
  });

  it.each([
    [{ key: "a", name: "x" }, "key"],
    [{ key: "lower", name: "x" }, "key"],
    [{ key: "1ABC", name: "x" }, "key"],
    [{ key: "TOOLONGKEY1", name: "x" }, "key"],
    [{ key: "AB-C", name: "x" }, "key"],
    [{ key: "OK", name: "  " }, "name"],
    [{ key: "OK" }, "name"],
    [{ key: "OK", name: "x", github_url: "https://gitlab.com/a/b" }, "github_url"],
    [{ key: "OK", name: "x", github_url: "https://github.com/a/b/tree/main" }, "github_url"],
    [{ key: "OK", name: "x", local_path: "relative/path" }, "local_path"],
  ])("refuses %j with 422 naming %s", async (body, field) => {
    const res = await post(dev, body);
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.code).toBe("validation_failed");
    expect(error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await POST(await browserRequest(dev.id, "/api/projects", { method: "POST", body: "{not json" }));
    expect(res.status).toBe(400);
  });

  it("lists projects by key with task counts by status, paging through X-Next-Cursor", async () => {
    const created = await (await post(dev, { key: "LIST", name: "Counted" })).json();
    for (const status of ["todo", "todo", "done", "blocked"]) {
      const res = await CREATE_TASK(
        await browserRequest(dev.id, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: created.id, title: `t ${status}`, status }) }),
      );
      expect(res.status).toBe(201);
    }
    const res = await GET(await browserRequest(dev.id, "/api/projects"));
    expect(res.status).toBe(200);
    const list = await res.json();
    expect(Array.isArray(list)).toBe(true);
    const keys = list.map((p: { key: string }) => p.key);
    expect(keys).toEqual([...keys].sort());
    const counted = list.find((p: { key: string }) => p.key === "LIST");
    expect(counted.task_counts).toEqual({ todo: 2, in_progress: 0, in_review: 0, done: 1, blocked: 1, total: 4 });

    const seen: string[] = [];
    let url = "/api/projects?limit=1";
    for (;;) {
      const page = await GET(await browserRequest(dev.id, url));
      const items = await page.json();
      expect(items.length).toBeLessThanOrEqual(1);
      seen.push(...items.map((p: { key: string }) => p.key));
      const next = page.headers.get("x-next-cursor");
      if (!next) break;
      url = `/api/projects?limit=1&cursor=${encodeURIComponent(next)}`;
    }
    expect(seen).toEqual(keys);
  });

  it("gets, updates and clears fields; an unknown field or an empty PATCH is refused", async () => {
    const project = await (await post(dev, { key: "UPD", name: "Before", github_url: "https://github.com/acme/one" })).json();
    const get = await GET_ONE(await browserRequest(dev.id, `/api/projects/${project.id}`), routeParams({ id: project.id }));
    expect((await get.json()).name).toBe("Before");

    const patch = (body: unknown) =>
      browserRequest(dev.id, `/api/projects/${project.id}`, { method: "PATCH", body: JSON.stringify(body) }).then((req) => PATCH(req, routeParams({ id: project.id })));
    const res = await patch({ name: "After", github_url: "https://github.com/acme/two.git" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "After", github_owner: "acme", github_repo: "two", key: "UPD" });

    const cleared = await (await patch({ github_url: null, description: null })).json();
    expect(cleared).toMatchObject({ github_url: null, github_owner: null, github_repo: null, description: null });

    expect((await patch({ key: "NEW" })).status).toBe(422);
    expect((await patch({})).status).toBe(422);
    expect((await patch({ github_url: "ftp://github.com/a/b" })).status).toBe(422);
    const [row] = await db.select().from(projects).where(eq(projects.id, project.id));
    expect(row.key).toBe("UPD");
  });

  it("answers 404 for unknown projects and 400 for malformed ids", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await GET_ONE(await browserRequest(dev.id, `/api/projects/${missing}`), routeParams({ id: missing }))).status).toBe(404);
    expect((await GET_ONE(await browserRequest(dev.id, "/api/projects/nope"), routeParams({ id: "nope" }))).status).toBe(400);
    const del = await DELETE(await browserRequest(admin.id, `/api/projects/${missing}`, { method: "DELETE" }), routeParams({ id: missing }));
    expect(del.status).toBe(404);
  });

  it("deletes a project with its board tasks (admin only) and audits it", async () => {
    const project = await (await post(dev, { key: "GONE", name: "Doomed" })).json();
    await CREATE_TASK(await browserRequest(dev.id, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: project.id, title: "one" }) }));
    await CREATE_TASK(await browserRequest(dev.id, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: project.id, title: "two" }) }));

    const denied = await DELETE(await browserRequest(dev.id, `/api/projects/${project.id}`, { method: "DELETE" }), routeParams({ id: project.id }));
    expect(denied.status).toBe(403);
    expect(await db.select().from(boardTasks).where(eq(boardTasks.projectId, project.id))).toHaveLength(2);

    const res = await DELETE(await browserRequest(admin.id, `/api/projects/${project.id}`, { method: "DELETE" }), routeParams({ id: project.id }));
    expect(res.status).toBe(204);
    expect(await db.select().from(projects).where(eq(projects.id, project.id))).toHaveLength(0);
    expect(await db.select().from(boardTasks).where(eq(boardTasks.projectId, project.id))).toHaveLength(0);
    const [event] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.eventType, "resource.deleted"), eq(auditEvents.resourceId, project.id)));
    expect(event).toMatchObject({ actorUserId: admin.id, resourceType: "project", details: expect.objectContaining({ key: "GONE", tasks_deleted: 2 }) });
  });
});
