import { PgTransaction } from "drizzle-orm/pg-core";
import type { DbOrTx } from "./client";

interface Executable<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/**
 * A hot Drizzle query built once per database, with `sql.placeholder(…)` for its values, and from
 * then on only executed. Building a select costs about 200 µs of CPU, more than its round trip
 * (the end-to-end bench spent 17 % of the server's CPU in Drizzle's builder). On PostgreSQL it
 * still runs as a named prepared statement (prepare-by-default.ts). Inside a transaction the query
 * is built on that transaction, as an ordinary one, since a prepared query is bound to its database.
 */
export function prebuilt<P extends Record<string, unknown>, R>(build: (db: DbOrTx) => Executable<R>): (db: DbOrTx, values: P) => Promise<R> {
  // Keyed by the driver session, not the `db` object: a handle's `db` forwards to its current pool,
  // and a query built on a pool the driver guard replaced would keep using the closed one.
  const built = new WeakMap<object, Executable<R>>();
  return (db, values) => {
    if (db instanceof PgTransaction) return build(db).execute(values);
    const session = (db as unknown as { session: object }).session;
    let query = built.get(session);
    if (!query) built.set(session, (query = build(db)));
    return query.execute(values);
  };
}
