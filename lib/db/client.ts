import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The one database type the rest of the code sees, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type DbOrTx = Database | Transaction;
export type DatabaseKind = "pglite" | "postgres";

export type NotificationHandler = (payload: string) => void;

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  /** Where it lives: the PGlite folder, or the server URL without its password. */
  location: string;
  /** Subscribe to NOTIFY on a channel; resolves to an unsubscribe function. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** Driver-level handle, for the migrator and tests only. */
  raw: { kind: "pglite"; client: PGlite } | { kind: "postgres"; client: Sql };
}

export interface OpenOptions {
  /** postgres://… for a server; absent for embedded PGlite. */
  url?: string;
  /** PGlite data folder; `memory://` keeps it in memory. */
  dataDir?: string;
  /** PGlite only: start from a dumped data directory (tests use a migrated snapshot). */
  loadDataDir?: Blob;
  /** PGlite only: Postgres's shared_buffers (default PGLITE_SHARED_BUFFERS). */
  sharedBuffers?: string;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** Server-side bounds on waits (postgres only); tests shorten them. */
  timeouts?: Partial<ServerTimeouts>;
  /** postgres only: run Drizzle's queries as named prepared statements (default; DATABASE_PREPARE=off turns it off). */
  prepare?: boolean;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (!options.url) return openPglite(options);
  return openPostgres(options.url, options.maxConnections ?? 20, { ...SERVER_TIMEOUTS, ...options.timeouts }, options.prepare ?? true);
}

/**
 * Every wait on a server is bounded, so one stalled node (paused VM, long GC, partition) cannot
 * freeze the others: a session idle inside a transaction is ended by the server (releasing its
 * locks), a lock wait or a statement gives up, and connecting gives up. Callers see a transient
 * error (lib/db/errors.ts): the API answers 503, the engine retries.
 */
export const SERVER_TIMEOUTS = {
  idleInTransactionMs: 5_000,
  lockMs: 8_000,
  statementMs: 30_000,
  connectSeconds: 5,
};

export type ServerTimeouts = typeof SERVER_TIMEOUTS;

/** Open postgres.js pools, so the driver guard can replace them all (see driver-guard.ts). */
const pools = new Set<{ replace: () => void }>();

/** Replace every open pool with a fresh one (the driver guard calls it after a wedged connection). */
export function replacePostgresPools(): number {
  for (const pool of pools) pool.replace();
  return pools.size;
}

async function openPostgres(url: string, max: number, timeouts: ServerTimeouts, prepare: boolean): Promise<DatabaseHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { installDriverGuard } = await import("./driver-guard");
  const { preparingClient } = await import("./prepare-by-default");
  installDriverGuard();
  const connect = () => {
    const client = postgres(url, {
      max,
      onnotice: () => {},
      connect_timeout: timeouts.connectSeconds,
      // No array-type lookup on each new connection: one round trip less, and postgres.js runs it as a
      // promise nobody awaits, so a reset during it was an unhandled rejection. Query arrays as json.
      fetch_types: false,
      // Reconnect at most 1 s apart. The default backoff grows to 10–20 s after the many failed attempts
      // of an outage, so nodes would come back long after it ended and be judged lost meanwhile.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
      connection: {
        // PGAPPNAME (the libpq convention) tells nodes apart in pg_stat_activity.
        application_name: process.env.PGAPPNAME || "coderclawlink",
        idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
        lock_timeout: timeouts.lockMs,
        statement_timeout: timeouts.statementMs,
      },
    });
    // Drizzle runs on a view of the pool that prepares its statements (one round trip each, not two);
    // LISTEN, the migrator and tests keep the plain client.
    return { client, db: drizzle(preparingClient(client, prepare), { schema }) as unknown as Database };
  };
  let current = connect();
  const subscriptions = new Set<{ channel: string; handler: NotificationHandler; unlisten?: Promise<() => Promise<void>> }>();
  const subscribe = (entry: { channel: string; handler: NotificationHandler; unlisten?: Promise<() => Promise<void>> }) => {
    entry.unlisten = current.client.listen(entry.channel, entry.handler).then(({ unlisten }) => unlisten);
    return entry.unlisten;
  };
  // The rest of the code keeps this one `db`; it always forwards to the current pool.
  const db = new Proxy({} as Database, {
    get: (_target, key) => {
      const value = Reflect.get(current.db, key) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(current.db) : value;
    },
    has: (_target, key) => Reflect.has(current.db, key),
    getPrototypeOf: () => Object.getPrototypeOf(current.db) as object,
  });
  const pool = {
    replace() {
      const old = current;
      current = connect();
      for (const entry of subscriptions) subscribe(entry).catch(() => {});
      // Queries still on the old pool fail (transient: callers retry) instead of hanging on a wedged connection.
      void old.client.end({ timeout: 1 }).catch(() => {});
    },
  };
  pools.add(pool);
  return {
    db,
    kind: "postgres",
    location: redactUrl(url),
    get raw() {
      return { kind: "postgres" as const, client: current.client };
    },
    async listen(channel, handler) {
      const entry: { channel: string; handler: NotificationHandler; unlisten?: Promise<() => Promise<void>> } = { channel, handler };
      subscriptions.add(entry);
      try {
        await subscribe(entry);
      } catch (error) {
        subscriptions.delete(entry);
        throw error;
      }
      return async () => {
        subscriptions.delete(entry);
        await (await entry.unlisten!.catch(() => async () => {}))();
      };
    },
    close: () => {
      pools.delete(pool);
      return current.client.end({ timeout: 5 });
    },
  };
}

/**
 * shared_buffers of the embedded Postgres. Its compiled-in 128 MB is all touched when PGlite starts
 * (about 135 MB of the node's RSS before the first query, measured), and the WebAssembly memory it
 * lives in never shrinks. The embedded database is one node's small data set whose files sit in
 * the OS page cache anyway: 16 MB (2,048 pages) holds the hot tables and indexes.
 */
export const PGLITE_SHARED_BUFFERS = "16MB";

async function openPglite(options: OpenOptions): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const dataDir = options.dataDir ?? "memory://";
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const sharedBuffers = options.sharedBuffers ?? PGLITE_SHARED_BUFFERS;
  if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`PGlite shared_buffers must look like 16MB, not ${sharedBuffers}`);
  const client = await PGlite.create({
    dataDir,
    loadDataDir: options.loadDataDir,
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    location: dataDir.startsWith("memory://") ? dataDir : path.resolve(/*turbopackIgnore: true*/ dataDir),
    raw: { kind: "pglite", client },
    async listen(channel, handler) {
      const unsubscribe = await client.listen(channel, handler);
      return unsubscribe;
    },
    close: () => client.close(),
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}
