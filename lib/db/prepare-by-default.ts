import type { Sql } from "postgres";

/**
 * Drizzle's postgres-js session runs every query through `client.unsafe(text, params, { prepare: false })`,
 * and postgres.js first asks the server for an unnamed statement's parameter types (Parse/Describe,
 * wait, then Bind/Execute): two round trips per query. A named statement is described once per
 * connection and then runs in one. postgres.js keeps a connection's named statements until the
 * connection closes (never evicted), so texts that vary with the data must not all be prepared:
 */

/** Distinct statement texts one process prepares at most; later new texts run unnamed (an end-to-end run uses about 50). */
export const PREPARED_TEXTS_MAX = 500;
/** More parameters than this: a batch insert or a long IN list whose text varies with its length; run unnamed. */
export const PREPARED_PARAMS_MAX = 32;

/** Process-wide: the pools a driver-guard replacement opens share it, so the bound holds across them. */
const preparedTexts = new Set<string>();

/** How many distinct texts are prepared (tests assert the bound). */
export function preparedTextCount(): number {
  return preparedTexts.size;
}

function shouldPrepare(text: string, params: readonly unknown[]): boolean {
  // No parameters: postgres.js sends a simple query, already one round trip.
  if (params.length === 0 || params.length > PREPARED_PARAMS_MAX) return false;
  if (preparedTexts.has(text)) return true;
  if (preparedTexts.size >= PREPARED_TEXTS_MAX) return false;
  preparedTexts.add(text);
  return true;
}

type UnsafeOptions = { prepare?: boolean } & Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

/**
 * `sql` whose `unsafe()` decides itself whether to prepare (Drizzle's `prepare: false` is its
 * default, not a choice; lib/db/prepared.ts's explicit `prepare: true` is kept), including inside
 * `begin()` and `savepoint()`, whose callbacks get a connection-bound `sql` of their own.
 * `enabled: false` runs everything unnamed, prepared.ts's statements too (DATABASE_PREPARE=off,
 * for a pooler that cannot keep a session's statements, e.g. PgBouncer in transaction mode before 1.21).
 */
export function preparingClient(sql: Sql, enabled: boolean): Sql {
  const wrap = (inner: Sql): Sql =>
    new Proxy(inner, {
      get(target, key) {
        if (key === "unsafe") {
          return (text: string, params?: unknown[] | UnsafeOptions, options: UnsafeOptions = {}) => {
            // postgres.js also accepts unsafe(text, options).
            if (params !== undefined && !Array.isArray(params)) [params, options] = [[], params];
            const args = params ?? [];
            const prepare = enabled && (options.prepare === true || shouldPrepare(text, args));
            return (target.unsafe as Fn)(text, args, { ...options, prepare });
          };
        }
        if (key === "begin" || key === "savepoint") {
          return (...args: unknown[]) => {
            const last = args.length - 1;
            const callback = args[last] as (inner: Sql) => unknown;
            args[last] = (innerSql: Sql) => callback(wrap(innerSql));
            return (Reflect.get(target, key) as Fn)(...args);
          };
        }
        return Reflect.get(target, key) as unknown;
      },
    });
  return wrap(sql);
}
