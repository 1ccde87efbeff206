import { inArray, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executions } from "../../lib/db/schema";
import { claimTasks, fairPick, LOCAL_PLACEMENT } from "../../lib/engine/queue";
import { runPrepared } from "../../lib/engine/rows";
import { resetEnv } from "../../lib/env";
import { createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";

interface PlanNode {
  "Node Type": string;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** The most times any node of the plan ran: a node run once per queued row makes the claim quadratic. */
function mostLoops(node: PlanNode): { loops: number; node: string } {
  let worst = { loops: node["Actual Loops"] ?? 0, node: node["Node Type"] };
  for (const child of node.Plans ?? []) {
    const inner = mostLoops(child);
    if (inner.loops > worst.loops) worst = inner;
  }
  return worst;
}

describe("engine: the claim's plan stays linear in the queue", async () => {
  const database = await useTestDatabase();
  const saved = process.env.RUNNING_TASKS_PER_USER;
  beforeAll(() => {
    process.env.RUNNING_TASKS_PER_USER = "DEVELOPER=2";
    resetEnv();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RUNNING_TASKS_PER_USER;
    else process.env.RUNNING_TASKS_PER_USER = saved;
    resetEnv();
  });

  it("with a burst queued after statistics saw an empty queue, no part of the fair pick runs once per queued task", async () => {
    // Statistics taken while the queue was empty (PostgreSQL's autovacuum analyses a busy table
    // between bursts), then a burst: the planner believes almost nothing is PENDING. Nothing may
    // analyse the table again while the test runs.
    await database.db.execute(sql`alter table executions set (autovacuum_enabled = false)`);
    const user = await createUser(database.db, { name: "Burst", role: "DEVELOPER" });
    const done: string[] = [];
    for (let i = 0; i < 300; i++) done.push(await submit(database, user, { prompt: `earlier ${i}` }));
    await database.db.update(executions).set({ state: "COMPLETED" }).where(inArray(executions.id, done));
    await database.db.execute(sql`analyze executions`);
    const queued = 150;
    for (let i = 0; i < queued; i++) await submit(database, user, { prompt: `burst ${i}` });

    const limit = 3;
    // The worker's prepared statement switches to a generic plan after five runs, planned from the
    // table's statistics alone: that is the plan explained here.
    const { sql: text, params } = new PgDialect().sqlToQuery(fairPick(LOCAL_PLACEMENT, limit));
    const args = params.map((p) => (typeof p === "number" ? String(p) : `'${String(p).replace(/'/g, "''")}'`)).join(", ");
    const [explained] = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
      await tx.execute(sql.raw(`prepare fair_pick as ${text}`));
      try {
        return await runPrepared<{ "QUERY PLAN": [{ Plan: PlanNode }] | string }>(tx, sql.raw(`explain (analyze, format json) execute fair_pick(${args})`));
      } finally {
        await tx.execute(sql`deallocate fair_pick`);
      }
    });
    const plan = explained["QUERY PLAN"];
    const root = (typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan as PlanNode;
    // One waiting user: its queue is read once, and at most limit × lookahead rows are ranked.
    expect(mostLoops(root).loops).toBeLessThanOrEqual(limit * 4 + 2);

    // And the pick still picks: the oldest tasks first, up to the user's limit (2 here).
    const claimed = await claimTasks(database.db, { nodeId: "plan-node", limit, leaseMs: 60_000 });
    expect(claimed.map((c) => c.task.prompt)).toEqual(["burst 0", "burst 1"]);
  });
});
