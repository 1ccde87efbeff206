/**
 * Database failures that say nothing about the request: the server is unreachable, restarting,
 * out of connections, or a bounded wait ran out. Callers answer 503 (and retry later); the engine
 * retries its own writes. Anything else (a constraint, a bad value, a bug) is not transient.
 */

/** postgres.js's own connection error codes (lib/db/client.ts uses postgres.js for servers). */
const DRIVER_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (admin shutdown, crash,
 * cannot connect now), 53300 (too many connections), 55P03 (lock_timeout), 57014 (statement_timeout
 * or a cancel), 25P03 (idle_in_transaction_session_timeout), 40001/40P01 (serialization, deadlock).
 */
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "55P03", "57014", "25P03", "40001", "40P01"]);

/**
 * A prepared statement the server no longer accepts: its result type changed under it (a migration
 * altered a column) or it is gone (a pooler's DISCARD). postgres.js forgets the statement and
 * retries once outside a transaction; inside one the transaction is already aborted, so the error
 * reaches the caller, whose retry prepares it afresh (lib/db/prepare-by-default.ts).
 */
const STALE_STATEMENT_ROUTINES = new Set(["RevalidateCachedQuery", "FetchPreparedStatement"]);

export function isTransientDatabaseError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const { code, cause, routine } = error as { code?: unknown; cause?: unknown; routine?: unknown };
  if (typeof code === "string") {
    if (DRIVER_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith("08")) return true;
    if ((code === "0A000" || code === "26000") && typeof routine === "string" && STALE_STATEMENT_ROUTINES.has(routine)) return true;
  }
  // Drizzle wraps driver errors ("Failed query: …") with the original as the cause.
  return isTransientDatabaseError(cause, depth + 1);
}

/** Seconds a client should wait before retrying after a transient database failure. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Run `work`, retrying transient database failures with a capped backoff until `giveUpAfterMs`
 * has passed or `stop()` says the result no longer matters. Only for work that is safe to repeat
 * (conditional transitions, fenced appends): a failed COMMIT may or may not have applied.
 */
export async function retryTransient<T>(work: () => Promise<T>, options: { giveUpAfterMs: number; stop?: () => boolean; onRetry?: (error: unknown, attempt: number) => void }): Promise<T> {
  const deadline = Date.now() + options.giveUpAfterMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientDatabaseError(error) || Date.now() >= deadline || options.stop?.()) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** Math.min(attempt, 6))));
    }
  }
}
