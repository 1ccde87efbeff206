import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executions } from "../../lib/db/schema";
import { eventHubFor } from "../../lib/engine/event-hub";
import type { Worker } from "../../lib/runtime";
import { bearerRequest, browserRequest, createUser, expectHiddenFrom, openSessionFor, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, testWorker, waitForState } from "../support/engine";
import { readSse, type SseFrame } from "../support/sse";
import { routeHandlers } from "../support/api";

const { GET: auditEvents } = routeHandlers("/api/audit/events");
const { GET: listTasks } = routeHandlers("/api/runtime/tasks");
const { POST: submitTask } = routeHandlers("/api/runtime/tasks/submit");
const { GET: getTask } = routeHandlers("/api/runtime/tasks/{id}");
const { POST: cancelTask } = routeHandlers("/api/runtime/tasks/{id}/cancel");
const { GET: listEvents } = routeHandlers("/api/runtime/tasks/{id}/events");
const { POST: provideInput } = routeHandlers("/api/runtime/tasks/{id}/input");
const { POST: retryTask } = routeHandlers("/api/runtime/tasks/{id}/retry");
const { GET: taskState } = routeHandlers("/api/runtime/tasks/{id}/state");
const { GET: streamTask } = routeHandlers("/api/runtime/tasks/{id}/stream");

const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

describe("HTTP: /api/runtime/tasks", async () => {
  const database = await useTestDatabase();
  let ada: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let viewer: TestUser;
  let worker: Worker;

  const submitAs = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await submitTask(await browserRequest(user.id, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", ...body })));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { task_id: string } };
  };
  const stateOf = async (user: TestUser, id: string) => (await (await taskState(await browserRequest(user.id, `/api/runtime/tasks/${id}/state`), routeParams({ id }))).json()) as Record<string, unknown>;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    bob = await createUser(database.db, { name: "Bob" });
    admin = await createUser(database.db, { name: "Root", role: "ADMIN" });
    viewer = await createUser(database.db, { name: "Vera", role: "VIEWER" });
    worker = await testWorker(database, { waitTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("the seeds' client flow: open a session, submit, query state, cancel, read the audit trail", async () => {
    const session = await openSessionFor(database.db, ada.id);
    const submitted = await submitTask(bearerRequest(session.token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say:on it; hang", session_id: session.sessionId })));
    expect(submitted.status).toBe(202);
    const task = (await submitted.json()) as { task_id: string; state: string; session_id: string; agent_type: string; created_at: string };
    expect(task).toMatchObject({ state: "PENDING", session_id: session.sessionId, agent_type: "test-echo" });

    const id = task.task_id;
    const read = async () => (await (await taskState(bearerRequest(session.token, `/api/runtime/tasks/${id}/state`), routeParams({ id }))).json()) as Record<string, unknown>;
    await expect.poll(async () => (await read()).state, POLL).toBe("RUNNING");
    const running = await read();
    expect(running).toMatchObject({ task_id: id, success: null, result: null, error: null, finished_at: null });
    expect(Object.keys(running).sort()).toEqual(["created_at", "error", "error_code", "events_count", "execution_time", "finished_at", "result", "started_at", "state", "success", "task_id"]);

    const cancelled = await cancelTask(bearerRequest(session.token, `/api/runtime/tasks/${id}/cancel`, { method: "POST" }), routeParams({ id }));
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ task_id: id, cancel_requested: true });
    await expect.poll(async () => (await read()).state, POLL).toBe("CANCELLED");
    expect(await read()).toMatchObject({ state: "CANCELLED", success: false });

    const audit = await auditEvents(await browserRequest(admin.id, `/api/audit/events?session_id=${session.sessionId}&limit=100`));
    const trail = ((await audit.json()) as { events: { event_type: string; resource_id: string | null }[] }).events;
    const types = trail.map((e) => e.event_type);
    expect(types).toEqual(expect.arrayContaining(["session.created", "task.submitted", "task.started", "task.cancelled"]));
    expect(trail.filter((e) => e.event_type.startsWith("task.")).every((e) => e.resource_id === id)).toBe(true);
  });

  it("session_id must be the caller's own session (403 otherwise)", async () => {
    const mine = await openSessionFor(database.db, ada.id);
    const theirs = await openSessionFor(database.db, bob.id);
    const res = await submitTask(bearerRequest(mine.token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "x", session_id: theirs.sessionId })));
    expect(res.status).toBe(403);
    const browser = await submitAs(ada, { prompt: "x", session_id: theirs.sessionId });
    expect(browser.status).toBe(403);
    expect(await database.db.select().from(executions).where(eq(executions.prompt, "x"))).toHaveLength(0);
  });

  it("rejects bad input with clear 4xx errors and writes nothing", async () => {
    const unknown = await submitAs(ada, { agent_type: "gpt-17", prompt: "hi" });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ error: { code: "validation_failed", details: { agent_type: "gpt-17" } } });
    expect((unknown.body.error as { details: { known: string[] } }).details.known).toContain("test-echo");
    expect((await submitAs(ada, { prompt: "" })).status).toBe(422);
    expect((await submitAs(ada, { prompt: "hi", context: "nope" })).status).toBe(422);
    expect((await submitAs(ada, { prompt: "hi", project_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(422);
    expect((await submitAs(ada, { prompt: "hi", skills: ["no-such-skill"] })).status).toBe(422);
    const badJson = await submitTask(await browserRequest(ada.id, "/api/runtime/tasks/submit", { method: "POST", body: "{nope" }));
    expect(badJson.status).toBe(400);
    expect((await submitTask(new Request("http://localhost/api/runtime/tasks/submit", post({ prompt: "hi", agent_type: "test-echo" })))).status).toBe(401);
    expect((await submitAs(viewer, { prompt: "hi" })).status).toBe(403);
    const badId = await taskState(await browserRequest(ada.id, "/api/runtime/tasks/nope/state"), routeParams({ id: "nope" }));
    expect(badId.status).toBe(400);
    const dup = await submitAs(ada, { prompt: "dup", task_id: "6f1f0c7e-5a8a-4c3b-9d61-0c1c7b7f4a10" });
    expect(dup.status).toBe(202);
    expect((await submitAs(ada, { prompt: "dup", task_id: "6f1f0c7e-5a8a-4c3b-9d61-0c1c7b7f4a10" })).status).toBe(409);
    expect(await database.db.select().from(executions).where(eq(executions.prompt, "hi"))).toHaveLength(0);
  });

  it("Bob gets 404 for everything of Ada's", async () => {
    const { body } = await submitAs(ada, { prompt: "ask:secret?" });
    const id = body.task_id;
    await waitForState(database, id, "WAITING");
    const base = `/api/runtime/tasks/${id}`;
    await expectHiddenFrom(bob.id, [
      { handler: getTask, url: base, params: { id } },
      { handler: taskState, url: `${base}/state`, params: { id } },
      { handler: listEvents, url: `${base}/events`, params: { id } },
      { handler: streamTask, url: `${base}/stream`, params: { id } },
      { handler: cancelTask, url: `${base}/cancel`, params: { id }, init: { method: "POST" } },
      { handler: provideInput, url: `${base}/input`, params: { id }, init: post({ answer: "mine now" }) },
      { handler: retryTask, url: `${base}/retry`, params: { id }, init: { method: "POST" } },
    ]);
    expect((await stateOf(ada, id)).state).toBe("WAITING");
    // An admin may see and answer it.
    const full = (await (await getTask(await browserRequest(admin.id, base), routeParams({ id }))).json()) as { pending_question: unknown };
    expect(full.pending_question).toMatchObject({ kind: "question", prompt: "secret?" });
    const answered = await provideInput(await browserRequest(admin.id, `${base}/input`, post({ answer: "42" })), routeParams({ id }));
    expect(answered.status).toBe(200);
    await waitForState(database, id, "COMPLETED");
  });

  it("lists my tasks by default, with filters and an opaque cursor; all=true is for admins", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await submitAs(bob, { prompt: `list ${i}`, agent_type: i % 2 ? "test-echo-once" : "test-echo" })).body.task_id);
    for (const id of mine) await waitForState(database, id, "COMPLETED");
    const page = async (user: TestUser, qs: string) => {
      const res = await listTasks(await browserRequest(user.id, `/api/runtime/tasks?${qs}`));
      return { status: res.status, body: (await res.json()) as { tasks: { task_id: string; user_id: string }[]; next_cursor: string | null } };
    };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: { tasks: { task_id: string; user_id: string }[]; next_cursor: string | null } } = await page(bob, `limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(body.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...body.tasks.map((t) => t.task_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());
    expect((await page(bob, "agent_type=test-echo-once")).body.tasks).toHaveLength(2);
    expect((await page(bob, "state=COMPLETED,FAILED")).body.tasks).toHaveLength(5);
    expect((await page(bob, "state=RUNNING")).body.tasks).toHaveLength(0);
    expect((await page(bob, "state=BOGUS")).status).toBe(400);
    expect((await page(bob, "cursor=garbage")).status).toBe(400);
    expect((await page(bob, "all=true")).status).toBe(403);
    const everyone = await page(admin, "all=true&limit=200");
    expect(new Set(everyone.body.tasks.map((t) => t.user_id))).toEqual(new Set([ada.id, bob.id]));
    expect((await page(ada, "limit=200")).body.tasks.every((t) => t.user_id === ada.id)).toBe(true);
  });

  it("pages the event log after a seq and retries a failed task as a new task", async () => {
    const { body } = await submitAs(ada, { prompt: "say:a; say:b; fail:nope" });
    const id = body.task_id;
    await waitForState(database, id, "FAILED");
    const res = await listEvents(await browserRequest(ada.id, `/api/runtime/tasks/${id}/events?after=2&limit=2`), routeParams({ id }));
    const pageBody = (await res.json()) as { events: { seq: number }[]; next_after: number; events_count: number; state: string };
    expect(pageBody.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(pageBody).toMatchObject({ next_after: 4, state: "FAILED" });

    const retried = await retryTask(await browserRequest(ada.id, `/api/runtime/tasks/${id}/retry`, { method: "POST" }), routeParams({ id }));
    expect(retried.status).toBe(202);
    const again = (await retried.json()) as { task_id: string; retry_of: string; prompt: string };
    expect(again).toMatchObject({ retry_of: id, prompt: "say:a; say:b; fail:nope" });
    expect(again.task_id).not.toBe(id);
    await waitForState(database, again.task_id, "FAILED");
    const running = await submitAs(ada, { prompt: "hang" });
    await waitForState(database, running.body.task_id, "RUNNING");
    const notYet = await retryTask(await browserRequest(ada.id, `/api/runtime/tasks/${running.body.task_id}/retry`, { method: "POST" }), routeParams({ id: running.body.task_id }));
    expect(notYet.status).toBe(409);
    await cancelTask(await browserRequest(ada.id, `/api/runtime/tasks/${running.body.task_id}/cancel`, { method: "POST" }), routeParams({ id: running.body.task_id }));
  });

  it("SSE: a client that disconnects is cleaned up", async () => {
    const { body } = await submitAs(ada, { prompt: "say:hi; hang" });
    const id = body.task_id;
    await waitForState(database, id, "RUNNING");
    const hub = eventHubFor(database);
    const before = hub.stats().subscribers;
    const client = new AbortController();
    const res = await streamTask(await browserRequest(ada.id, `/api/runtime/tasks/${id}/stream`, { signal: client.signal }), routeParams({ id }));
    const frames = readSse(res);
    expect((await frames.next()).value).toMatchObject({ id: "1", event: "state" });
    expect(hub.stats().subscribers).toBe(before + 1);
    // Only the request's signal fires (as when the browser goes away): the stream must end by itself.
    client.abort();
    await expect.poll(() => hub.stats().subscribers, POLL).toBe(before);
    for await (const frame of frames) expect(frame.event).not.toBe("result");
    // The body ended because the client left, not because the task did.
    expect((await stateOf(ada, id)).state).toBe("RUNNING");
    await cancelTask(await browserRequest(ada.id, `/api/runtime/tasks/${id}/cancel`, { method: "POST" }), routeParams({ id }));
  });

  it("SSE: two watchers, one joining late with Last-Event-ID, both get the full ordered log and the stream ends", async () => {
    const { body } = await submitAs(ada, { prompt: "x", context: { steps: [{ say: "one" }, { chunks: 3, delay_ms: 20 }, { approve: "deploy" }, { say: "bye" }] } });
    const id = body.task_id;
    const url = `/api/runtime/tasks/${id}/stream`;
    const early = await streamTask(await browserRequest(ada.id, url), routeParams({ id }));
    expect(early.status).toBe(200);
    expect(early.headers.get("content-type")).toContain("text/event-stream");
    const earlyFrames: SseFrame[] = [];
    const earlyDone = (async () => {
      for await (const frame of readSse(early)) earlyFrames.push(frame);
    })();
    await waitForState(database, id, "WAITING");
    await expect.poll(() => earlyFrames.some((f) => f.event === "wait"), POLL).toBe(true);

    // The late watcher has seen up to seq 3 (from an earlier connection) and resumes after it.
    const late = await streamTask(await browserRequest(ada.id, url, { headers: { "last-event-id": "3" } }), routeParams({ id }));
    const lateFrames: SseFrame[] = [];
    const lateDone = (async () => {
      for await (const frame of readSse(late)) lateFrames.push(frame);
    })();
    await expect.poll(() => lateFrames.some((f) => f.event === "wait"), POLL).toBe(true);
    const answered = await provideInput(await browserRequest(ada.id, `/api/runtime/tasks/${id}/input`, post({ approved: true })), routeParams({ id }));
    expect(answered.status).toBe(200);
    await Promise.all([earlyDone, lateDone]);

    const [row] = await database.db.select().from(executions).where(and(eq(executions.id, id)));
    expect(row.state).toBe("COMPLETED");
    const seqs = (frames: SseFrame[]) => frames.map((f) => Number(f.id));
    expect(seqs(earlyFrames)).toEqual(Array.from({ length: row.eventsCount }, (_, i) => i + 1));
    expect(seqs(lateFrames)).toEqual(Array.from({ length: row.eventsCount - 3 }, (_, i) => i + 4));
    expect(lateFrames).toEqual(earlyFrames.slice(3));
    expect(earlyFrames.at(-1)).toMatchObject({ event: "state", data: { state: "COMPLETED", seq: row.eventsCount } });
    expect(earlyFrames.map((f) => f.event)).toEqual(expect.arrayContaining(["state", "output", "wait", "input", "result"]));

    // A watcher arriving after the end gets the tail and the stream closes at once.
    const after = await streamTask(await browserRequest(ada.id, `${url}?after=${row.eventsCount - 2}`), routeParams({ id }));
    const tail: SseFrame[] = [];
    for await (const frame of readSse(after)) tail.push(frame);
    expect(seqs(tail)).toEqual([row.eventsCount - 1, row.eventsCount]);
  });
});
