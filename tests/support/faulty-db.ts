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
 * dropped connection) or made to fail its next N transactions, for fault tests on either driver.
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
      if (key === "transaction") {
        return async (fn: Parameters<Database["transaction"]>[0]) => {
          state.transactions++;
          if (state.failNextTransactions > 0) {
            state.failNextTransactions--;
            throw connectionError();
          }
          const result = await target.transaction(fn);
          if (state.loseNextCommitReplies > 0) {
            state.loseNextCommitReplies--;
            throw connectionError("CONNECTION_CLOSED");
          }
          return result;
        };
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return state;
}
