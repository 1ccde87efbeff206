import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { PREPARED_PARAMS_MAX, PREPARED_TEXTS_MAX, preparedTextCount, preparingClient } from "./prepare-by-default";

/** A stand-in for postgres.js's `sql`: records what each unsafe() call asked for. */
function fakeSql(calls: { text: string; prepare: unknown }[]): Sql {
  const make = (): Sql =>
    Object.assign(() => {}, {
      unsafe: (text: string, _params: unknown[], options: { prepare?: unknown }) => calls.push({ text, prepare: options.prepare }),
      begin: (...args: unknown[]) => (args.at(-1) as (inner: Sql) => unknown)(make()),
      savepoint: (...args: unknown[]) => (args.at(-1) as (inner: Sql) => unknown)(make()),
      options: { parsers: {} },
    }) as unknown as Sql;
  return make();
}

describe("preparingClient", () => {
  it("prepares Drizzle's parameterised queries, keeps explicit prepares, and leaves parameterless and long ones unnamed", () => {
    const calls: { text: string; prepare: unknown }[] = [];
    const sql = preparingClient(fakeSql(calls), true);
    sql.unsafe("select $1", [1], { prepare: false });
    sql.unsafe("select 1", [], { prepare: false });
    const many = Array.from({ length: PREPARED_PARAMS_MAX + 1 }, (_, i) => i);
    sql.unsafe(`select ${many.map((i) => `$${i + 1}`).join(",")}`, many, { prepare: false });
    sql.unsafe(`select 'explicit', ${many.map((i) => `$${i + 1}`).join(",")}`, many, { prepare: true });
    expect(calls.map((c) => c.prepare)).toEqual([true, false, false, true]);
    expect(sql.options).toEqual({ parsers: {} });
  });

  it("the connection-bound sql inside begin() and savepoint() prepares too", async () => {
    const calls: { text: string; prepare: unknown }[] = [];
    const sql = preparingClient(fakeSql(calls), true);
    await sql.begin((tx) => (tx as unknown as Sql & { savepoint: (fn: (s: Sql) => unknown) => unknown }).savepoint((sp) => sp.unsafe("select $1 as in_savepoint", [1], { prepare: false })));
    expect(calls).toEqual([{ text: "select $1 as in_savepoint", prepare: true }]);
  });

  it("off: nothing is prepared, not even an explicit request", () => {
    const calls: { text: string; prepare: unknown }[] = [];
    const sql = preparingClient(fakeSql(calls), false);
    sql.unsafe("select $1 as off", [1], { prepare: true });
    sql.unsafe("select $1 as off2", [1]);
    expect(calls.map((c) => c.prepare)).toEqual([false, false]);
  });

  it("prepares at most PREPARED_TEXTS_MAX distinct texts per process; known ones stay prepared", () => {
    const calls: { text: string; prepare: unknown }[] = [];
    const sql = preparingClient(fakeSql(calls), true);
    for (let i = 0; preparedTextCount() < PREPARED_TEXTS_MAX; i++) sql.unsafe(`select $1 as n${i}`, [i], { prepare: false });
    calls.length = 0;
    sql.unsafe("select $1 as one_too_many", [1], { prepare: false });
    sql.unsafe("select $1 as n0", [1], { prepare: false });
    expect(calls.map((c) => c.prepare)).toEqual([false, true]);
    expect(preparedTextCount()).toBe(PREPARED_TEXTS_MAX);
  });
});
