import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, boardTasks, projects } from "../../lib/db/schema";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { POST: CREATE_PROJECT } = routeHandlers("/api/projects");
const { POST: MOVE } = routeHandlers("/api/tasks/{id}/move");
const { DELETE, GET: GET_ONE, PATCH } = routeHandlers("/api/tasks/{id}");
const { GET, POST } = routeHandlers("/api/tasks");

interface TaskJson {
  id: string;
  key: string;
  number: number;
  status: string;
  position: number;
  project_id: string;
  assignee_id: string | null;
  title: string;
}

describe("board: /api/tasks", async () => {
  const database = await useTestDatabase();
  const db = database.db;
  let dev: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    dev = await createUser(db, { role: "DEVELOPER", name: "Dev" });
    other = await createUser(db, { role: "DEVELOPER", name: "Other" });
  });

  async function newProject(key: string): Promise<{ id: string; key: string }> {
    const res = await CREATE_PROJECT(await browserRequest(dev.id, "/api/projects", { method: "POST", body: JSON.stringify({ key, name: key }) }));
    expect(res.status).toBe(201);
    return res.json();
  }

  async function postTask(body: Record<string, unknown>, user = dev): Promise<Response> {
    return POST(await browserRequest(user.id, "/api/tasks", { method: "POST", body: JSON.stringify(body) }));
  }

  async function createTask(body: Record<string, unknown>): Promise<TaskJson> {
    const res = await postTask(body);
    expect(res.status).toBe(201);
    return res.json();
  }

  async function list(query: string): Promise<TaskJson[]> {
    const res = await GET(await browserRequest(dev.id, `/api/tasks?${query}`));
    expect(res.status).toBe(200);
    return res.json();
  }

  const patch = async (id: string, body: unknown) =>
    PATCH(await browserRequest(dev.id, `/api/tasks/${id}`, { method: "PATCH", body: JSON.stringify(body) }), routeParams({ id }));
  const move = async (id: string, body: unknown) =>
    MOVE(await browserRequest(dev.id, `/api/tasks/${id}/move`, { method: "POST", body: JSON.stringify(body) }), routeParams({ id }));
  const counter = async (projectId: string) => (await db.select().from(projects).where(eq(projects.id, projectId)))[0].taskCounter;

  it("keys tasks KEY-1, KEY-2 … from the project's counter, with defaults, and audits each", async () => {
    const project = await newProject("KEYS");
    const first = await createTask({ project_id: project.id, title: "First" });
    const second = await createTask({ project_id: project.id, title: "Second", status: "in_review", priority: "urgent", assignee_id: other.id, description: "d" });
    expect(first).toMatchObject({ key: "KEYS-1", number: 1, status: "todo", priority: "medium", project_key: "KEYS", created_by: dev.id, last_execution: null });
    expect(second).toMatchObject({ key: "KEYS-2", number: 2, status: "in_review", priority: "urgent", assignee_id: other.id, description: "d" });
    expect(await counter(project.id)).toBe(2);
    const audit = await db.select().from(auditEvents).where(and(eq(auditEvents.resourceType, "board_task"), eq(auditEvents.eventType, "resource.created")));
    expect(audit.map((a) => a.resourceId)).toEqual(expect.arrayContaining([first.id, second.id]));
  });

  it("gives 10 parallel creates 10 distinct consecutive keys", async () => {
    const project = await newProject("PAR");
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => postTask({ project_id: project.id, title: `parallel ${i}` })));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const keys = (await Promise.all(responses.map((r) => r.json()))).map((t: TaskJson) => t.key);
    expect(new Set(keys).size).toBe(10);
    expect([...keys].sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1]))).toEqual(Array.from({ length: 10 }, (_, i) => `PAR-${i + 1}`));
    expect(await counter(project.id)).toBe(10);
  });

  it("never reissues a deleted task's key", async () => {
    const project = await newProject("NOREUSE");
    await createTask({ project_id: project.id, title: "one" });
    const two = await createTask({ project_id: project.id, title: "two" });
    const res = await DELETE(await browserRequest(dev.id, `/api/tasks/${two.id}`, { method: "DELETE" }), routeParams({ id: two.id }));
    expect(res.status).toBe(204);
    expect((await createTask({ project_id: project.id, title: "three" })).key).toBe("NOREUSE-3");
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "resource.deleted"), eq(auditEvents.resourceId, two.id)));
    expect(event).toMatchObject({ resourceType: "board_task", actorUserId: dev.id });
    const again = await DELETE(await browserRequest(dev.id, `/api/tasks/${two.id}`, { method: "DELETE" }), routeParams({ id: two.id }));
    expect(again.status).toBe(404);
  });

  it("refuses a missing project with 422 and writes nothing", async () => {
    const before = (await db.select().from(boardTasks)).length;
    const res = await postTask({ project_id: "00000000-0000-4000-8000-000000000000", title: "orphan" });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: "validation_failed", details: { field: "project_id" } });
    expect(await db.select().from(boardTasks)).toHaveLength(before);
  });

  it("rolls back the counter when the task cannot be written", async () => {
    const project = await newProject("ATOMIC");
    await createTask({ project_id: project.id, title: "one" });
    const res = await postTask({ project_id: project.id, title: "bad assignee", assignee_id: "00000000-0000-4000-8000-000000000000" });
    expect(res.status).toBe(422);
    expect((await res.json()).error.details).toEqual({ field: "assignee_id" });
    expect(await counter(project.id)).toBe(1);
    expect(await db.select().from(boardTasks).where(eq(boardTasks.projectId, project.id))).toHaveLength(1);
    expect((await createTask({ project_id: project.id, title: "two" })).key).toBe("ATOMIC-2");
  });

  it.each([
    [{ title: "no project" }, "project_id"],
    [{ project_id: "not-a-uuid", title: "x" }, "project_id"],
    [{ project_id: "00000000-0000-4000-8000-000000000000" }, "title"],
    [{ project_id: "00000000-0000-4000-8000-000000000000", title: "x", status: "doing" }, "status"],
    [{ project_id: "00000000-0000-4000-8000-000000000000", title: "x", priority: "p1" }, "priority"],
  ])("refuses %j with 422 naming %s", async (body, field) => {
    const res = await postTask(body);
    expect(res.status).toBe(422);
    expect((await res.json()).error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it("lists in board order (column, then position) with filters", async () => {
    const project = await newProject("ORDER");
    const a = await createTask({ project_id: project.id, title: "a", status: "done" });
    const b = await createTask({ project_id: project.id, title: "b", status: "todo", priority: "high", assignee_id: dev.id });
    const c = await createTask({ project_id: project.id, title: "c", status: "in_progress" });
    const d = await createTask({ project_id: project.id, title: "d", status: "todo" });
    const e = await createTask({ project_id: project.id, title: "e", status: "blocked", assignee_id: other.id });
    expect((await list(`project_id=${project.id}`)).map((t) => t.id)).toEqual([b.id, d.id, c.id, a.id, e.id]);
    expect((await list(`project_id=${project.id}&status=todo`)).map((t) => t.id)).toEqual([b.id, d.id]);
    expect((await list(`project_id=${project.id}&priority=high`)).map((t) => t.id)).toEqual([b.id]);
    expect((await list(`project_id=${project.id}&assignee_id=me`)).map((t) => t.id)).toEqual([b.id]);
    expect((await list(`project_id=${project.id}&assignee=${other.id}`)).map((t) => t.id)).toEqual([e.id]);
    expect((await list(`project_id=${project.id}&assignee_id=none`)).map((t) => t.id)).toEqual([d.id, c.id, a.id]);

    const paged: string[] = [];
    let url = `/api/tasks?project_id=${project.id}&limit=2`;
    for (;;) {
      const res = await GET(await browserRequest(dev.id, url));
      paged.push(...(await res.json()).map((t: TaskJson) => t.id));
      const next = res.headers.get("x-next-cursor");
      if (!next) break;
      url = `/api/tasks?project_id=${project.id}&limit=2&cursor=${next}`;
    }
    expect(paged).toEqual([b.id, d.id, c.id, a.id, e.id]);

    const bad = await GET(await browserRequest(dev.id, `/api/tasks?status=doing`));
    expect(bad.status).toBe(400);
    const badCursor = await GET(await browserRequest(dev.id, `/api/tasks?cursor=garbage`));
    expect(badCursor.status).toBe(400);
  });

  it("gets one task with its runs, and answers 404 for an unknown one", async () => {
    const project = await newProject("ONE");
    const task = await createTask({ project_id: project.id, title: "one" });
    const res = await GET_ONE(await browserRequest(dev.id, `/api/tasks/${task.id}`), routeParams({ id: task.id }));
    expect(await res.json()).toMatchObject({ id: task.id, key: "ONE-1", executions: [], last_execution: null });
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await GET_ONE(await browserRequest(dev.id, `/api/tasks/${missing}`), routeParams({ id: missing }))).status).toBe(404);
  });

  it("updates fields; a new column without a position appends the card to it", async () => {
    const project = await newProject("EDIT");
    const done = await createTask({ project_id: project.id, title: "already done", status: "done" });
    const task = await createTask({ project_id: project.id, title: "before" });
    const res = await patch(task.id, { title: "after", priority: "low", description: "x", assignee_id: other.id, status: "done" });
    expect(res.status).toBe(200);
    const updated = await res.json();
    expect(updated).toMatchObject({ title: "after", priority: "low", description: "x", assignee_id: other.id, status: "done", key: "EDIT-2" });
    expect(updated.position).toBeGreaterThan(done.position);

    const placed = await (await patch(task.id, { status: "in_review", position: 42.5 })).json();
    expect(placed).toMatchObject({ status: "in_review", position: 42.5 });
    const unassigned = await (await patch(task.id, { assignee_id: null })).json();
    expect(unassigned.assignee_id).toBeNull();

    expect((await patch(task.id, {})).status).toBe(422);
    expect((await patch(task.id, { key: "EDIT-9" })).status).toBe(422);
    expect((await patch(task.id, { status: "nope" })).status).toBe(422);
    expect((await patch(task.id, { assignee_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(422);
    expect((await patch("00000000-0000-4000-8000-000000000000", { title: "x" })).status).toBe(404);
    const [row] = await db.select().from(boardTasks).where(eq(boardTasks.id, task.id));
    expect(row).toMatchObject({ title: "after", status: "in_review", position: 42.5, assigneeId: null });
    const modified = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "resource.modified"), eq(auditEvents.resourceId, task.id)));
    expect(modified).toHaveLength(3);
  });

  it("moves cards between neighbours and across columns, and the order persists", async () => {
    const project = await newProject("DRAG");
    const [t1, t2, t3] = [await createTask({ project_id: project.id, title: "1" }), await createTask({ project_id: project.id, title: "2" }), await createTask({ project_id: project.id, title: "3" })];
    const column = async (status: string) => (await list(`project_id=${project.id}&status=${status}`)).map((t) => t.title);
    expect(await column("todo")).toEqual(["1", "2", "3"]);

    expect((await move(t3.id, { status: "todo", before_id: t1.id })).status).toBe(200);
    expect(await column("todo")).toEqual(["3", "1", "2"]);
    expect((await move(t3.id, { status: "todo", after_id: t1.id })).status).toBe(200);
    expect(await column("todo")).toEqual(["1", "3", "2"]);
    expect((await move(t1.id, { status: "todo", after_id: t3.id, before_id: t2.id })).status).toBe(200);
    expect(await column("todo")).toEqual(["3", "1", "2"]);

    const moved = await (await move(t1.id, { status: "in_progress" })).json();
    expect(moved.status).toBe("in_progress");
    expect(await column("todo")).toEqual(["3", "2"]);
    expect(await column("in_progress")).toEqual(["1"]);
    expect((await move(t2.id, { status: "in_progress", before_id: t1.id })).status).toBe(200);
    expect(await column("in_progress")).toEqual(["2", "1"]);

    const audit = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "board_task.move"), eq(auditEvents.resourceId, t1.id)));
    expect(audit.length).toBe(2);
  });

  it("refuses moves next to cards that are not in the target column", async () => {
    const project = await newProject("BADMOVE");
    const elsewhere = await newProject("ELSEWHERE");
    const a = await createTask({ project_id: project.id, title: "a" });
    const b = await createTask({ project_id: project.id, title: "b", status: "done" });
    const foreign = await createTask({ project_id: elsewhere.id, title: "f" });
    const c = await createTask({ project_id: project.id, title: "c" });
    expect((await move(a.id, { status: "todo", before_id: b.id })).status).toBe(422);
    expect((await move(a.id, { status: "todo", before_id: foreign.id })).status).toBe(422);
    expect((await move(a.id, { status: "todo", before_id: a.id })).status).toBe(422);
    expect((await move(a.id, { status: "todo", after_id: c.id, before_id: c.id })).status).toBe(422);
    expect((await move(a.id, { status: "todo", after_id: c.id })).status).toBe(200);
    expect((await move(c.id, { status: "nowhere" })).status).toBe(422);
    expect((await move("00000000-0000-4000-8000-000000000000", { status: "todo" })).status).toBe(404);
    const [row] = await db.select().from(boardTasks).where(eq(boardTasks.id, b.id));
    expect(row.status).toBe("done");
  });

  it("keeps a consistent order when many cards are dropped at the same spot at once", async () => {
    const project = await newProject("RACE");
    const anchor = await createTask({ project_id: project.id, title: "anchor" });
    const cards = [];
    for (let i = 0; i < 8; i++) cards.push(await createTask({ project_id: project.id, title: `c${i}`, status: "done" }));
    const results = await Promise.all(cards.map((c) => move(c.id, { status: "todo", before_id: anchor.id })));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const column = await list(`project_id=${project.id}&status=todo`);
    expect(column).toHaveLength(9);
    expect(column[column.length - 1].id).toBe(anchor.id);
    expect(new Set(column.map((t) => t.position)).size).toBe(9);
  });

  it("respaces a column when repeated drops leave no room between two cards", async () => {
    const project = await newProject("TIGHT");
    const top = await createTask({ project_id: project.id, title: "top" });
    await createTask({ project_id: project.id, title: "bottom" });
    const movers = [await createTask({ project_id: project.id, title: "m0", status: "done" }), await createTask({ project_id: project.id, title: "m1", status: "done" })];
    // Always dropping right below "top" halves the same gap; after ~50 drops floating point has
    // no room left, so the move only succeeds if the column is respaced.
    for (let i = 0; i < 80; i++) {
      const res = await move(movers[i % 2].id, { status: "todo", after_id: top.id });
      expect(res.status).toBe(200);
    }
    const titles = (await list(`project_id=${project.id}&status=todo`)).map((t) => t.title);
    expect(titles).toEqual(["top", "m1", "m0", "bottom"]);
    const positions = (await list(`project_id=${project.id}&status=todo`)).map((t) => t.position);
    expect(new Set(positions).size).toBe(4);
  });
});
