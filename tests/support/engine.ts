import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import type { DatabaseHandle } from "../../lib/db/client";
import { executions, executionEvents, type Execution, type ExecutionState } from "../../lib/db/schema";
import type { EngineTimings } from "../../lib/engine/engine";
import { runtimeFor, startWorker, type StartWorkerOptions, type Worker } from "../../lib/runtime";
import type { SubmitTaskBody } from "../../lib/runtime/schemas";
import type { AuthContext } from "../../lib/security/context";
import { permissionsFor } from "../../lib/security/permissions";
import type { TestUser } from "./auth";
import { asc } from "drizzle-orm";

/** Timings short enough for tests, long enough not to flap on a loaded 2-core machine. */
export const FAST: Partial<EngineTimings> = {
  leaseMs: 3_000,
  heartbeatMs: 300,
  sweepMs: 250,
  pollMs: 500,
  batchMs: 20,
  abortGraceMs: 2_000,
};

export const POLL = { timeout: 20_000, interval: 50 };

export async function testWorker(handle: DatabaseHandle, options: Partial<StartWorkerOptions> = {}): Promise<Worker> {
  return startWorker({ ...FAST, concurrency: 4, ...options, handle });
}

/** An AuthContext as authenticate() would build it for a signed-in browser user. */
export function contextFor(user: Pick<TestUser, "id" | "email" | "role">): AuthContext {
  return {
    user: { id: user.id, email: user.email, name: user.email.split("@")[0], role: user.role },
    via: "browser",
    permissions: permissionsFor(user.role),
    ip: "127.0.0.1",
    userAgent: "vitest",
    requestId: randomUUID(),
  };
}

export async function submit(handle: DatabaseHandle, user: TestUser, body: Partial<SubmitTaskBody> & { prompt: string }): Promise<string> {
  const task = await runtimeFor(handle).submitTask(contextFor(user), { agent_type: "test-echo", context: {}, skills: [], ...body });
  return task.task_id;
}

export async function taskRow(handle: DatabaseHandle, id: string): Promise<Execution> {
  const [row] = await handle.db.select().from(executions).where(eq(executions.id, id));
  return row;
}

export async function waitForState(handle: DatabaseHandle, id: string, state: ExecutionState, timeout = POLL.timeout): Promise<Execution> {
  await expect.poll(async () => (await taskRow(handle, id)).state, { timeout, interval: POLL.interval }).toBe(state);
  return taskRow(handle, id);
}

export async function eventsOf(handle: DatabaseHandle, id: string) {
  return handle.db.select().from(executionEvents).where(eq(executionEvents.executionId, id)).orderBy(asc(executionEvents.seq));
}

/** The states a task went through, from its log. */
export async function statePath(handle: DatabaseHandle, id: string): Promise<string[]> {
  return (await eventsOf(handle, id)).filter((e) => e.type === "state").map((e) => e.state!);
}
