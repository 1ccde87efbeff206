import type { Database } from "../../lib/db/client";

/** What a lost connection looks like to callers (postgres.js / Node socket error). */
export function connectionError(code = "ECONNRESET"): Error {
  return Object.assign(new Error(`connect ${code} (test: the database is unreachable)`), { code });
}

/** Anything awaited from it rejects with `error`, whatever builder chain led there. */
function failingChain(error: () => Error): unknown {
  const chain: unknown = new Proxy(function chainable() {}, {
    get: (_target, key) => (key === "then" ? (_resolve: unknown, reject: (e: Error) => void) => reject(error()) : chain),
    apply: () => chain,
  });
  return chain;
}

/**
 * A view of a real database that can be switched "down" in-process (every query fails like a
 * dropped connection) or made to fail its next N transactions (a prepared statement run on its
 * own counts as one), for fault tests on either driver.
 */
export interface FaultyDatabase {
  db: Database;
  down: boolean;
  /** Fail this many upcoming transactions before they run. */
  failNextTransactions: number;
  /** Run this many upcoming transactions, then throw as if the COMMIT's answer was lost. */
  loseNextCommitReplies: number;
  transactions: number;
}

export function faultyDatabase(real: Database): FaultyDatabase {
  const state: FaultyDatabase = { db: undefined as unknown as Database, down: false, failNextTransactions: 0, loseNextCommitReplies: 0, transactions: 0 };
  state.db = new Proxy(real, {
    get(target, key, receiver) {
      if (state.down) return failingChain(() => connectionError());
      if (key === "transaction") return (fn: Parameters<Database["transaction"]>[0]) => unitOfWork(() => target.transaction(fn));
      // A prepared statement run on its own (lib/db/prepared.ts reads the driver client from here)
      // is a transaction too: it fails, or loses its commit's answer, the same way.
      if (key === "session") return sessionWithFaults(Reflect.get(target, key, receiver) as { client: object });
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const unitOfWork = async <T>(run: () => Promise<T>): Promise<T> => {
    state.transactions++;
    if (state.failNextTransactions > 0) {
      state.failNextTransactions--;
      throw connectionError();
    }
    const result = await run();
    if (state.loseNextCommitReplies > 0) {
      state.loseNextCommitReplies--;
      throw connectionError("CONNECTION_CLOSED");
    }
    return result;
  };
  const sessionWithFaults = (session: { client: object }) => {
    const client = new Proxy(session.client, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== "function") return value;
        const call = (value as (...args: unknown[]) => unknown).bind(target);
        // postgres.js `unsafe` / PGlite `query`: the calls a prepared statement is made of.
        return key === "unsafe" || key === "query" ? (...args: unknown[]) => unitOfWork(async () => (await call(...args)) as unknown) : call;
      },
    });
    return new Proxy(session, { get: (target, key, receiver) => (key === "client" ? client : Reflect.get(target, key, receiver) as unknown) });
  };
  return state;
}
