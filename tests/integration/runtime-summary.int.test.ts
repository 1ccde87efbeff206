import { describe, expect, it } from "vitest";
import { executions, type ExecutionState } from "../../lib/db/schema";
import { useTestDatabase } from "../support/db";
import { browserRequest, createUser } from "../support/auth";
import { routeHandlers } from "../support/api";

const { GET } = routeHandlers("/api/runtime/tasks/summary");

describe("GET /api/runtime/tasks/summary", async () => {
  const { db } = await useTestDatabase();
  const ada = await createUser(db, { name: "Ada", role: "DEVELOPER" });
  const bob = await createUser(db, { name: "Bob", role: "DEVELOPER" });
  const admin = await createUser(db, { name: "Root", role: "ADMIN" });

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  async function task(userId: string, agentType: string, state: ExecutionState, opts: { createdMinAgo: number; runSeconds?: number }) {
    const createdAt = minutesAgo(opts.createdMinAgo);
    const startedAt = opts.runSeconds === undefined ? null : new Date(createdAt.getTime() + 1_000);
    const finishedAt = startedAt && ["COMPLETED", "FAILED", "CANCELLED"].includes(state) ? new Date(startedAt.getTime() + opts.runSeconds! * 1_000) : null;
    await db.insert(executions).values({ userId, agentType, prompt: "p", state, createdAt, startedAt, finishedAt });
  }

  // Ada: three finished claude tasks (2 completed in 10 s and 30 s, 1 failed), one running, one from two days ago.
  await task(ada.id, "claude", "COMPLETED", { createdMinAgo: 30, runSeconds: 10 });
  await task(ada.id, "claude", "COMPLETED", { createdMinAgo: 20, runSeconds: 30 });
  await task(ada.id, "claude", "FAILED", { createdMinAgo: 10, runSeconds: 5 });
  await task(ada.id, "ollama", "RUNNING", { createdMinAgo: 5, runSeconds: undefined });
  await task(ada.id, "claude", "COMPLETED", { createdMinAgo: 48 * 60, runSeconds: 99 });
  // Bob: one cancelled goose task.
  await task(bob.id, "goose", "CANCELLED", { createdMinAgo: 15, runSeconds: 2 });

  const get = async (userId: string, query = "") => GET(await browserRequest(userId, `/api/runtime/tasks/summary${query}`));

  it("summarises only the caller's tasks in the window", async () => {
    const res = await get(ada.id);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.scope).toBe("mine");
    expect(body.counts).toEqual({ PENDING: 0, PLANNING: 0, RUNNING: 1, WAITING: 0, COMPLETED: 2, FAILED: 1, CANCELLED: 0 });
    expect(body.agents).toEqual([{ agent_type: "claude", finished: 3, completed: 2, success_rate: 66.7, median_duration: 20 }]);
    const finishedPerHour = body.per_hour.reduce((n: number, h: { COMPLETED: number; FAILED: number; CANCELLED: number }) => n + h.COMPLETED + h.FAILED + h.CANCELLED, 0);
    expect(finishedPerHour).toBe(3);
    for (const h of body.per_hour) expect(new Date(h.hour).getUTCMinutes()).toBe(0);
  });

  it("lets admins summarise everyone's, and nobody else", async () => {
    expect((await get(bob.id, "?all=true")).status).toBe(403);
    const body = await (await get(admin.id, "?all=true")).json();
    expect(body.scope).toBe("all");
    expect(body.counts.CANCELLED).toBe(1);
    expect(body.agents.map((a: { agent_type: string }) => a.agent_type).sort()).toEqual(["claude", "goose"]);
    expect(body.agents.find((a: { agent_type: string }) => a.agent_type === "goose")).toMatchObject({ success_rate: 0, median_duration: null });
  });

  it("widens the window on request and rejects a bad one", async () => {
    const week = await (await get(ada.id, "?hours=168")).json();
    expect(week.counts.COMPLETED).toBe(3);
    expect((await get(ada.id, "?hours=0")).status).toBe(400);
    expect((await get(ada.id, "?hours=abc")).status).toBe(400);
  });
});
