import { inArray, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executions } from "../../lib/db/schema";
import { CLAIM_PLANNER_SETTINGS, claimTasks, fairPick, LOCAL_PLACEMENT } from "../../lib/engine/queue";
import { runPrepared } from "../../lib/engine/rows";
import { resetEnv } from "../../lib/env";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase, type TestDatabase } from "../support/db";
import { submit } from "../support/engine";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** The plan node that handled the most rows in all (rows × loops): reading the whole queue shows up here. */
function busiest(node: PlanNode): { rows: number; node: string } {
  const here = (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 0);
  let worst = { rows: here, node: [node["Node Type"], node["Relation Name"], node["Index Name"]].filter(Boolean).join(" ") };
  for (const child of node.Plans ?? []) {
    const inner = busiest(child);
    if (inner.rows > worst.rows) worst = inner;
  }
  return worst;
}

/**
 * The fair pick's generic plan (a worker's prepared statement switches to it after five runs,
 * planned from the table's statistics alone), run under the claim's planner settings.
 */
async function explainFairPick(database: TestDatabase, limit: number): Promise<PlanNode> {
  const { sql: text, params } = new PgDialect().sqlToQuery(fairPick(LOCAL_PLACEMENT, limit));
  const args = params.map((p) => (typeof p === "number" ? String(p) : `'${String(p).replace(/'/g, "''")}'`)).join(", ");
  const [explained] = await database.db.transaction(async (tx) => {
    await runPrepared(tx, CLAIM_PLANNER_SETTINGS);
    await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
    await tx.execute(sql.raw(`prepare fair_pick as ${text}`));
    try {
      return await runPrepared<{ "QUERY PLAN": [{ Plan: PlanNode }] | string }>(tx, sql.raw(`explain (analyze, format json) execute fair_pick(${args})`));
    } finally {
      await tx.execute(sql`deallocate fair_pick`);
    }
  });
  const plan = explained["QUERY PLAN"];
  return (typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan as PlanNode;
}

describe("engine: the claim's plan stays small however deep the queue and whatever the statistics say", async () => {
  const database = await useTestDatabase();
  const saved = process.env.RUNNING_TASKS_PER_USER;
  const limit = 3;
  const queued = 150;
  // One waiting user: a claim reads that user's oldest limit × lookahead (4) tasks, and the tasks in flight (none).
  const bound = limit * 4 * 2;
  let user: TestUser;

  beforeAll(async () => {
    process.env.RUNNING_TASKS_PER_USER = "DEVELOPER=2";
    resetEnv();
    // Nothing may analyse the table behind the test's back (PostgreSQL's autovacuum; PGlite has none).
    await database.db.execute(sql`alter table executions set (autovacuum_enabled = false)`);
    user = await createUser(database.db, { name: "Burst", role: "DEVELOPER" });
    const done: string[] = [];
    for (let i = 0; i < 300; i++) done.push(await submit(database, user, { prompt: `earlier ${i}` }));
    await database.db.update(executions).set({ state: "COMPLETED" }).where(inArray(executions.id, done));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RUNNING_TASKS_PER_USER;
    else process.env.RUNNING_TASKS_PER_USER = saved;
    resetEnv();
  });

  it("statistics taken while the queue was empty, then a burst: no part of the pick reads the whole queue", async () => {
    await database.db.execute(sql`analyze executions`);
    for (let i = 0; i < queued; i++) await submit(database, user, { prompt: `burst ${i}` });
    expect(busiest(await explainFairPick(database, limit)).rows).toBeLessThanOrEqual(bound);
  });

  it("statistics taken with the burst queued: still none (no hash of every PENDING task)", async () => {
    await database.db.execute(sql`analyze executions`);
    expect(busiest(await explainFairPick(database, limit)).rows).toBeLessThanOrEqual(bound);

    // And the pick still picks: the oldest tasks first, up to the user's limit (2 here).
    const claimed = await claimTasks(database.db, { nodeId: "plan-node", limit, leaseMs: 60_000 });
    expect(claimed.map((c) => c.task.prompt)).toEqual(["burst 0", "burst 1"]);
  });
});
