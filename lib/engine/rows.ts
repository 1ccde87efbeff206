import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { DbOrTx } from "../db/client";
import { preparedQuery, type RawRow } from "../db/prepared";
import { executions, type Execution, type NewExecution } from "../db/schema";

const COLUMNS = getTableColumns(executions);
const COLUMN_LIST = Object.entries(COLUMNS);

/**
 * A raw `executions` row (snake_case, driver values) as Drizzle's select would hand it back:
 * the hot paths write raw SQL (one statement, no query building) but hand typed rows on.
 */
export function toExecution(row: Record<string, unknown>): Execution {
  const task: Record<string, unknown> = {};
  for (const [key, column] of COLUMN_LIST) {
    const value = row[column.name];
    task[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return task as Execution;
}

/** `column = value` for each defined entry, as Drizzle's .set() would write them (undefined is skipped). */
export function assignments(values: Partial<NewExecution>): Map<string, SQL> {
  const out = new Map<string, SQL>();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const column = COLUMNS[key as keyof typeof COLUMNS];
    if (!column) throw new Error(`executions has no column ${key}`);
    out.set(
      column.name,
      value === null ? sql`null` : is(value, SQL) ? value : sql`${column.mapToDriverValue(value as never)}::${sql.raw(column.getSQLType())}`,
    );
  }
  return out;
}

const dialect = new PgDialect();

/**
 * Run one statement written with Drizzle's `sql` template as a prepared statement (lib/db/prepared.ts):
 * on PostgreSQL one round trip (Bind/Execute) instead of an unnamed statement's two. Rows come back raw.
 */
export async function runPrepared<T = RawRow>(db: DbOrTx, query: SQL): Promise<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (await preparedQuery(db, text, params)) as T[];
}
