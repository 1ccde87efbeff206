import net from "node:net";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, replacePostgresPools, type DatabaseHandle, type DbOrTx } from "../../lib/db/client";
import { isTransientDatabaseError } from "../../lib/db/errors";
import { PREPARED_PARAMS_MAX } from "../../lib/db/prepare-by-default";
import { prebuilt } from "../../lib/db/prebuilt";
import { users } from "../../lib/db/schema";
import { selectRows } from "../../lib/db/sql";
import { listAuditEvents } from "../../lib/security/audit-query";
import { claimTasks } from "../../lib/engine/queue";
import { transitionTask } from "../../lib/engine/transitions";
import { createUser } from "../support/auth";
import { createTestDatabase } from "../support/db";
import { submit } from "../support/engine";

/**
 * Counts round trips on the wire: a new one starts each time the client speaks after the server
 * did (the client cannot send Bind before an unnamed statement's ParameterDescription came back).
 */
async function countingProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  let turns = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let serverSpoke = true;
    client.on("data", (chunk) => {
      if (serverSpoke) turns++;
      serverSpoke = false;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      serverSpoke = true;
      client.write(chunk);
    });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on("error", () => b.destroy());
      a.on("close", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return { url: url.toString(), turns: () => turns, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The texts prepared on the handle's one connection (maxConnections: 1). */
async function preparedTexts(handle: DatabaseHandle): Promise<string[]> {
  const rows = await selectRows<{ statement: string }>(handle, sql`select statement from pg_prepared_statements`);
  return rows.map((r) => r.statement);
}

describe("Drizzle's queries on PostgreSQL are named prepared statements", async () => {
  const database = await createTestDatabase();
  const proxy = await countingProxy(database.url!);
  const handles: DatabaseHandle[] = [];
  const open = async (prepare?: boolean) => {
    const handle = await openDatabase({ url: proxy.url, maxConnections: 1, prepare });
    handles.push(handle);
    await handle.db.execute(sql`select 1`); // connected before counting
    return handle;
  };
  afterAll(async () => {
    for (const h of handles) await h.close();
    await proxy.close();
    await database.dispose();
  });
  const byId = (handle: DatabaseHandle, id: string) => handle.db.select({ id: users.id }).from(users).where(eq(users.id, id));
  const turnsOf = async (work: () => Promise<unknown>) => {
    const before = proxy.turns();
    await work();
    return proxy.turns() - before;
  };
  const someId = "00000000-0000-4000-8000-000000000001";

  it("a plain Drizzle query costs one round trip once its connection has prepared it (two unnamed)", async () => {
    const handle = await open();
    expect(await turnsOf(() => byId(handle, someId))).toBe(2); // first use: Parse/Describe, then Bind/Execute
    expect(await turnsOf(() => byId(handle, someId))).toBe(1);
    expect(await turnsOf(() => byId(handle, someId))).toBe(1);
    expect((await preparedTexts(handle)).some((t) => t.includes('from "users" where "users"."id" = $1'))).toBe(true);

    const unnamed = await open(false);
    expect(await turnsOf(() => byId(unnamed, someId))).toBe(2);
    expect(await turnsOf(() => byId(unnamed, someId))).toBe(2);
    expect(await preparedTexts(unnamed)).toEqual([]);
  });

  it("the audit search is planned for each filter's own values; other statements may reuse a generic plan", async () => {
    const handle = await open();
    const [{ plan_cache_mode }] = await selectRows<{ plan_cache_mode: string }>(handle, sql`show plan_cache_mode`);
    expect(plan_cache_mode).toBe("auto");
    const page = { limit: 10, order: "desc" as const };
    for (let i = 0; i < 7; i++) await listAuditEvents(handle.db, { event_type: "task.submitted", from: new Date(Date.now() - (i + 1) * 3_600_000) }, page);
    for (let i = 0; i < 7; i++) await byId(handle, someId);
    const plans = await selectRows<{ statement: string; generic_plans: number; custom_plans: number }>(
      handle,
      sql`select statement, generic_plans::int, custom_plans::int from pg_prepared_statements where statement like '%audit_events%' or statement like '%from "users" where "users"."id" = $1%'`,
    );
    const audit = plans.filter((p) => p.statement.includes("audit_events"));
    expect(audit.length).toBeGreaterThan(0);
    for (const p of audit) expect(p).toMatchObject({ generic_plans: 0 });
    expect(audit.reduce((n, p) => n + p.custom_plans, 0)).toBeGreaterThanOrEqual(7);
    expect(plans.find((p) => p.statement.includes('"users"."id" = $1'))).toMatchObject({ custom_plans: 5, generic_plans: 2 }); // PostgreSQL's default: five custom plans, then the generic one
  });

  it("queries inside a transaction (and a savepoint) are prepared on the transaction's connection", async () => {
    const handle = await open();
    await handle.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.email, "tx@example.test"));
      await tx.transaction((inner) => inner.select({ id: users.id }).from(users).where(eq(users.name, "in a savepoint")));
    });
    const texts = await preparedTexts(handle);
    expect(texts.some((t) => t.includes('"users"."email" = $1'))).toBe(true);
    expect(texts.some((t) => t.includes('"users"."name" = $1'))).toBe(true);
  });

  it("a long IN list (its text varies with its length) runs unnamed; a short one is prepared", async () => {
    const handle = await open();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    await handle.db.select({ id: users.id }).from(users).where(inArray(users.id, ids(PREPARED_PARAMS_MAX + 1)));
    await handle.db.select({ id: users.id }).from(users).where(inArray(users.id, ids(3)));
    const lists = (await preparedTexts(handle)).filter((t) => t.includes('"users"."id" in'));
    expect(lists).toEqual([expect.stringContaining("in ($1, $2, $3)")]);
  });

  it("a column type change after a statement was prepared: retried outside a transaction, transient inside one, then fine", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prepared_probe (id int primary key, v int)`);
    await handle.db.execute(sql`insert into prepared_probe values (1, 7)`);
    const read = (db: DbOrTx) => selectRows<{ v: unknown }>(db, sql`select v from prepared_probe where id = ${1}`);
    expect(await read(handle.db)).toEqual([{ v: 7 }]);
    expect(await read(handle.db)).toEqual([{ v: 7 }]);

    await database.db.execute(sql`alter table prepared_probe alter column v type text`);
    // postgres.js re-prepares a statement the server says is stale ("cached plan must not change result type").
    expect(await read(handle.db)).toEqual([{ v: "7" }]);

    await database.db.execute(sql`alter table prepared_probe alter column v type bigint using v::bigint`);
    // Inside a transaction the first error aborted it, so it cannot be retried there: callers see a transient error …
    const failed = await handle.db.transaction((tx) => read(tx)).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(isTransientDatabaseError(failed)).toBe(true);
    // … and their retry re-prepares it.
    expect(await handle.db.transaction((tx) => read(tx))).toEqual([{ v: "7" }]);

    // A table dropped and created again with the same shape: the server re-plans the statement by itself.
    await database.db.execute(sql`drop table prepared_probe`);
    await database.db.execute(sql`create table prepared_probe (id int primary key, v bigint)`);
    await database.db.execute(sql`insert into prepared_probe values (1, 8)`);
    expect(await handle.db.transaction((tx) => read(tx))).toEqual([{ v: "8" }]);
  });

  it("a task's state change (row, events, audit, notices) is one round trip", async () => {
    const handle = await open();
    const ada = await createUser(database.db, { name: "Ada" });
    const ids = [await submit(database, ada, { prompt: "say: one" }), await submit(database, ada, { prompt: "say: two" })];
    const claims = await claimTasks(database.db, { nodeId: "node-rt", limit: 2, leaseMs: 60_000 });
    const toRunning = (id: string) => transitionTask(handle.db, { taskId: id, attempt: claims.find((c) => c.id === id)!.attempt, to: "RUNNING", from: ["PLANNING"] });
    expect((await toRunning(ids[0]))?.task.state).toBe("RUNNING"); // prepares the statement on this connection
    let moved: Awaited<ReturnType<typeof toRunning>> = null;
    expect(await turnsOf(async () => (moved = await toRunning(ids[1])))).toBe(1);
    expect(moved!.task.state).toBe("RUNNING");
  });

  it("after the driver guard replaces the pools, queries prepare again on the new connections", async () => {
    const handle = await open();
    await byId(handle, someId);
    expect(replacePostgresPools()).toBeGreaterThanOrEqual(1);
    expect(await byId(handle, someId)).toEqual([]);
    expect(await turnsOf(() => byId(handle, someId))).toBe(1);
    expect((await preparedTexts(handle)).some((t) => t.includes('"users"."id" = $1'))).toBe(true);
  });

  it("a prebuilt query is one round trip, runs inside a transaction, and follows the pool the driver guard swapped in", async () => {
    const handle = await open();
    const [user] = await handle.db.select({ id: users.id }).from(users).limit(1);
    const named = prebuilt<{ id: string }, { id: string; role: string }[]>((db) =>
      db.select({ id: users.id, role: users.role }).from(users).where(eq(users.id, sql.placeholder("id"))).prepare("test_user_role"),
    );
    expect(await named(handle.db, { id: user.id })).toEqual([{ id: user.id, role: expect.any(String) }]);
    expect(await turnsOf(() => named(handle.db, { id: user.id }))).toBe(1);
    expect(await handle.db.transaction((tx) => named(tx, { id: someId }))).toEqual([]);
    expect(replacePostgresPools()).toBeGreaterThanOrEqual(1);
    expect(await named(handle.db, { id: user.id })).toEqual([{ id: user.id, role: expect.any(String) }]);
    expect(await turnsOf(() => named(handle.db, { id: user.id }))).toBe(1);
  });
});
