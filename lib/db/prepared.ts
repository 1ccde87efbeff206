import type { PGlite } from "@electric-sql/pglite";
import type { Sql } from "postgres";
import type { DbOrTx } from "./client";

export type RawRow = Record<string, unknown>;

/** Timestamps come back as the server's text, as Drizzle's own queries get them, so its column mappers apply. */
const PGLITE_PARSERS = { 1114: (v: string) => v, 1184: (v: string) => v, 1082: (v: string) => v };

/**
 * One SQL statement on the hot path, past Drizzle's query builder, on whichever driver is behind
 * `db` (a transaction's own connection when `db` is one). On PostgreSQL it is a named prepared
 * statement: postgres.js parses it once per connection and then sends Bind/Execute only, one
 * round trip. (Drizzle's own queries are unnamed, and postgres.js first asks the server for the
 * parameter types of an unnamed statement: two round trips each.) Parameters are sent as the
 * driver's text: pass JSON as a string with a `::jsonb` cast, timestamps as ISO strings.
 * Rows come back keyed by column name, with the driver's raw values (see `mapRow`).
 */
export async function preparedQuery(db: DbOrTx, text: string, params: unknown[]): Promise<RawRow[]> {
  const client = driverOf(db);
  if (typeof (client as Sql).unsafe === "function") return [...(await (client as Sql).unsafe(text, params as never[], { prepare: true }))] as RawRow[];
  return (await (client as PGlite).query<RawRow>(text, params, { parsers: PGLITE_PARSERS })).rows;
}

/** The driver client Drizzle runs `db` on (its session's; never undefined for our handles and transactions). */
function driverOf(db: DbOrTx): Sql | PGlite {
  const client = (db as unknown as { session?: { client?: Sql | PGlite } }).session?.client;
  if (!client) throw new Error("preparedQuery: this database object has no driver session");
  return client;
}

interface MappableColumn {
  name: string;
  mapFromDriverValue(value: unknown): unknown;
}

/**
 * A raw row as Drizzle would have returned it for `table`: camelCase keys, each value through its
 * column's own mapper (timestamps to Date, json text parsed, bigint to number …); NULL stays null.
 */
export function mapRow<T>(columns: Record<string, MappableColumn>, row: RawRow): T {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T;
}

/** A timestamptz column's raw value (the server's text, or a Date) as a Date; NULL as null. */
export function timestampOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}
