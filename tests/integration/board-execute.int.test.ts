import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, boardTasks, executions } from "../../lib/db/schema";
import { startWorker, type Worker } from "../../lib/runtime";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { DELETE: DELETE_PROJECT } = routeHandlers("/api/projects/{id}");
const { POST: CREATE_PROJECT } = routeHandlers("/api/projects");
const { POST: EXECUTE } = routeHandlers("/api/tasks/execute");
const { GET: GET_TASK } = routeHandlers("/api/tasks/{id}");
const { POST: CREATE_TASK } = routeHandlers("/api/tasks");

describe("board: POST /api/tasks/execute", async () => {
  const database = await useTestDatabase();
  const db = database.db;
  let dev: TestUser;
  let viewer: TestUser;
  let projectId: string;
  let worker: Worker;

  beforeAll(async () => {
    dev = await createUser(db, { role: "DEVELOPER", name: "Dev" });
    viewer = await createUser(db, { role: "VIEWER", name: "Viewer" });
    const res = await CREATE_PROJECT(
      await browserRequest(dev.id, "/api/projects", { method: "POST", body: JSON.stringify({ key: "RUN", name: "Runs", github_url: "https://github.com/acme/runs" }) }),
    );
    projectId = (await res.json()).id;
    worker = await startWorker({ handle: database, concurrency: 4, pollMs: 200, sweepMs: 500 });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  async function card(title: string, description?: string): Promise<{ id: string; key: string }> {
    const res = await CREATE_TASK(await browserRequest(dev.id, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: projectId, title, description }) }));
    expect(res.status).toBe(201);
    return res.json();
  }

  async function execute(body: Record<string, unknown>, opts: { user?: TestUser; query?: string } = {}): Promise<Response> {
    const req = await browserRequest((opts.user ?? dev).id, `/api/tasks/execute${opts.query ?? ""}`, { method: "POST", body: JSON.stringify(body) });
    return EXECUTE(req);
  }

  it("queues a runtime task linked to the card, answers 202 and moves the card to in_progress", async () => {
    const task = await card("Write the docs", "All of them");
    const res = await execute({ task_id: task.id, agent_type: "test-echo", context: { extra: 1 } });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ task_id: task.id, task_key: task.key, agent_type: "test-echo", timed_out: false, stream_url: `/api/runtime/tasks/${body.execution_id}/stream` });

    const [run] = await db.select().from(executions).where(eq(executions.id, body.execution_id));
    expect(run).toMatchObject({ boardTaskId: task.id, projectId, userId: dev.id, agentType: "test-echo", prompt: `${task.key}: Write the docs\n\nAll of them` });
    expect(run.context).toMatchObject({ extra: 1, project: { key: "RUN", github_owner: "acme", github_repo: "runs" }, task: { key: task.key, title: "Write the docs" } });

    const [row] = await db.select().from(boardTasks).where(eq(boardTasks.id, task.id));
    expect(row.status).toBe("in_progress");
    const moved = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "board_task.execute"), eq(auditEvents.resourceId, task.id)));
    expect(moved).toHaveLength(1);
    const submitted = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "task.submitted"), eq(auditEvents.resourceId, body.execution_id)));
    expect(submitted).toHaveLength(1);

    const detail = await (await GET_TASK(await browserRequest(dev.id, `/api/tasks/${task.id}`), routeParams({ id: task.id }))).json();
    expect(detail.executions.map((e: { task_id: string }) => e.task_id)).toEqual([body.execution_id]);
    expect(detail.last_execution.task_id).toBe(body.execution_id);
  });

  it("with wait=true answers like Phase 1 once the run completes", async () => {
    const task = await card("Say hello");
    const res = await execute({ task_id: task.id, agent_type: "test-echo", prompt: "say: hello; result: all done", wait: true });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ task_id: task.id, status: "completed", state: "COMPLETED", success: true, error: null, timed_out: false });
    expect(JSON.stringify(body.result)).toContain("all done");
    expect(body.completed_at).not.toBeNull();
  });

  it("with ?wait=true reports a failed run with its error", async () => {
    const task = await card("Break");
    const res = await execute({ task_id: task.id, agent_type: "test-echo", prompt: "fail: the build is broken" }, { query: "?wait=true" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "failed", state: "FAILED", success: false, error: expect.stringContaining("the build is broken") });
  });

  it("stops waiting after wait_timeout_s and says so", async () => {
    const task = await card("Slow");
    const started = Date.now();
    const res = await execute({ task_id: task.id, agent_type: "test-echo", prompt: "sleep: 20000", wait: true, wait_timeout_s: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ timed_out: true, success: null, completed_at: null });
    expect(["pending", "running"]).toContain(body.status);
  });

  it("refuses an unknown card (404) and an unknown agent (422) without touching the board", async () => {
    const missing = await execute({ task_id: "00000000-0000-4000-8000-000000000000", agent_type: "test-echo" });
    expect(missing.status).toBe(404);

    const task = await card("Untouched");
    const before = (await db.select().from(executions)).length;
    const res = await execute({ task_id: task.id, agent_type: "no-such-agent" });
    expect(res.status).toBe(422);
    expect(await db.select().from(executions)).toHaveLength(before);
    const [row] = await db.select().from(boardTasks).where(eq(boardTasks.id, task.id));
    expect(row.status).toBe("todo");

    expect((await execute({ task_id: task.id })).status).toBe(422);
    expect((await execute({ task_id: task.id, agent_type: "test-echo", wait_timeout_s: 601 })).status).toBe(422);
  });

  it("keeps the runs, unlinked, when the project is deleted", async () => {
    const admin = await createUser(db, { role: "ADMIN", name: "Admin" });
    const other = await CREATE_PROJECT(await browserRequest(dev.id, "/api/projects", { method: "POST", body: JSON.stringify({ key: "TMP", name: "Temporary" }) }));
    const otherId = (await other.json()).id;
    const res = await CREATE_TASK(await browserRequest(dev.id, "/api/tasks", { method: "POST", body: JSON.stringify({ project_id: otherId, title: "Short-lived" }) }));
    const task = await res.json();
    const run = await (await execute({ task_id: task.id, agent_type: "test-echo", wait: true })).json();
    expect(run.state).toBe("COMPLETED");
    const del = await DELETE_PROJECT(await browserRequest(admin.id, `/api/projects/${otherId}`, { method: "DELETE" }), routeParams({ id: otherId }));
    expect(del.status).toBe(204);
    const [row] = await db.select().from(executions).where(eq(executions.id, run.execution_id));
    expect(row).toMatchObject({ state: "COMPLETED", boardTaskId: null, projectId: null });
  });

  it("is refused to a VIEWER", async () => {
    const task = await card("Viewer cannot run");
    const res = await execute({ task_id: task.id, agent_type: "test-echo" }, { user: viewer });
    expect(res.status).toBe(403);
    const [row] = await db.select().from(boardTasks).where(eq(boardTasks.id, task.id));
    expect(row.status).toBe("todo");
  });
});
