import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agentConfigs, auditEvents, executionEvents, executions, projects } from "../../lib/db/schema";
import { CHANNELS } from "../../lib/engine/channels";
import { enqueueTask } from "../../lib/engine/commands";
import { toTaskDto } from "../../lib/runtime/serialize";
import { apiTokenFor, bearerRequest, createUser, openSessionFor } from "../support/auth";
import { routeHandlers } from "../support/api";
import { useTestDatabase } from "../support/db";

const { POST: submitTask } = routeHandlers("/api/runtime/tasks/submit");
const { POST: retryTask } = routeHandlers("/api/runtime/tasks/{id}/retry");
const { POST: cancelTask } = routeHandlers("/api/runtime/tasks/{id}/cancel");
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

/**
 * Submit's hot path writes with one prepared statement and reads its admission facts with
 * another (lib/engine/commands.ts, lib/runtime/submit.ts): the rows, answers and notices must be
 * exactly what the Drizzle path wrote before, on both databases.
 */
describe("submit hot path: one statement, the same rows", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const ada = await createUser(db, { name: "Ada", role: "DEVELOPER" });
  const { token } = await apiTokenFor(db, ada.id);

  const notices = async () => {
    const heard: string[] = [];
    const offs = await Promise.all([
      database.listen(CHANNELS.events, (p) => heard.push(`events ${p}`)),
      database.listen(CHANNELS.queue, (p) => heard.push(`queue ${p}`)),
    ]);
    return { heard, stop: () => Promise.all(offs.map((off) => off())) };
  };

  it("answers the row as Drizzle reads it, with its PENDING event, its audit row and both notices in order", async () => {
    const [project] = await db.insert(projects).values({ key: `P${randomUUID().slice(0, 6).toUpperCase()}`, name: "Hot path", createdBy: ada.id }).returning();
    const session = await openSessionFor(db, ada.id);
    const listening = await notices();
    const taskId = randomUUID();
    const res = await submitTask(
      bearerRequest(session.token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say: hot path", context: { nested: { a: [1, "two", null] } }, project_id: project.id, task_id: taskId, timeout_seconds: 90 })),
    );
    expect(res.status).toBe(202);
    const answered = await res.json();
    const [row] = await db.select().from(executions).where(eq(executions.id, taskId));
    expect(answered).toEqual(JSON.parse(JSON.stringify(toTaskDto(row))));
    expect(row).toMatchObject({ userId: ada.id, sessionId: session.sessionId, devicePk: session.devicePk, projectId: project.id, state: "PENDING", attempt: 0, eventsCount: 1, timeoutMs: 90_000, context: { nested: { a: [1, "two", null] } }, skills: [], targetLabels: [] });

    const events = await db.select().from(executionEvents).where(eq(executionEvents.executionId, taskId));
    expect(events).toEqual([expect.objectContaining({ seq: 1, attempt: 0, type: "state", state: "PENDING", data: { from: null } })]);
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.resourceId, taskId), eq(auditEvents.eventType, "task.submitted")));
    expect(audit).toMatchObject({
      action: "task.submitted",
      outcome: "success",
      actorUserId: ada.id,
      sessionId: session.sessionId,
      deviceId: session.deviceId,
      resourceType: "task",
      details: { agent_type: "test-echo", project_id: project.id, skills: [], via: "runtime_session" },
    });
    expect(audit.occurredAt).toBeInstanceOf(Date);

    await expect.poll(() => listening.heard.filter((h) => h.includes(taskId))).toEqual([`events ${taskId}:1`, `queue ${taskId}`]);
    await listening.stop();
  });

  it("a retry's first event and audit row name the task it retries", async () => {
    const first = await (await submitTask(bearerRequest(token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say: once" })))).json();
    expect((await cancelTask(bearerRequest(token, `/api/runtime/tasks/${first.task_id}/cancel`, post({})), { params: Promise.resolve({ id: first.task_id }) })).status).toBe(200);
    const res = await retryTask(bearerRequest(token, `/api/runtime/tasks/${first.task_id}/retry`, post({})), { params: Promise.resolve({ id: first.task_id }) });
    expect(res.status).toBe(202);
    const retried = await res.json();
    expect(retried.retry_of).toBe(first.task_id);
    const [event] = await db.select().from(executionEvents).where(eq(executionEvents.executionId, retried.task_id));
    expect(event.data).toEqual({ from: null, retry_of: first.task_id });
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.resourceId, retried.task_id), eq(auditEvents.eventType, "task.retried")));
    expect(audit.details).toEqual({ agent_type: "test-echo", project_id: null, skills: [], via: "api_token", retry_of: first.task_id });
  });

  it("writes nothing at all when the statement fails (a taken id)", async () => {
    const taken = (await (await submitTask(bearerRequest(token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say: first" })))).json()).task_id as string;
    const before = await db.select().from(auditEvents).orderBy(asc(auditEvents.entry));
    await expect(
      enqueueTask(db, { id: taken, userId: ada.id, agentType: "test-echo", prompt: "again", context: {}, skills: [], timeoutMs: 1000 }, { eventType: "task.submitted", actorUserId: ada.id, details: {} }),
    ).rejects.toThrow();
    expect(await db.select().from(auditEvents).orderBy(asc(auditEvents.entry))).toEqual(before);
    expect(await db.select().from(executionEvents).where(eq(executionEvents.executionId, taken))).toHaveLength(1);
  });

  it("reads the agent's enabled flag and the policies at every submit", async () => {
    const submit = () => submitTask(bearerRequest(token, "/api/runtime/tasks/submit", post({ agent_type: "test-echo", prompt: "say: x" })));
    expect((await submit()).status).toBe(202);
    await db.insert(agentConfigs).values({ agentType: "test-echo", enabled: false }).onConflictDoUpdate({ target: agentConfigs.agentType, set: { enabled: false } });
    expect((await submit()).status).toBe(422);
    await db.update(agentConfigs).set({ enabled: true }).where(eq(agentConfigs.agentType, "test-echo"));
    expect((await submit()).status).toBe(202);
  });
});
