import { log } from "../log";
import { replacePostgresPools } from "./client";
import { isTransientDatabaseError } from "./errors";

/**
 * postgres.js 3.4 (up to 3.4.9, the newest 3.x; upstream issues #1066, #1154, #1208, fix #1168
 * not released) can write to a connection whose socket it already dropped: when the server ends a
 * session mid-transaction, its rollback is queued on the dead connection and
 * `socket.write` throws from a setImmediate, outside any promise, which would end the process.
 * By then the transaction had already failed and its caller was told, but the connection is left
 * wedged (a stale write buffer: its later queries and reconnects hang). So that one error is
 * logged and swallowed, and every pool is replaced by a fresh one: queries still on the old pool
 * fail as transient errors (callers retry) instead of hanging. A lost connection's error reaching
 * a promise nobody awaited is logged too. Every other uncaught exception still ends the process
 * as Node would.
 */
export function isDriverNullSocketError(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? "";
  return /reading 'write'|evaluating 'socket\.write'/.test(error.message) && /nextWrite/.test(stack) && /[\\/]postgres[\\/]/.test(stack);
}

const INSTALLED = Symbol.for("coderclawlink.driverGuard");
type GuardedProcess = NodeJS.Process & { [INSTALLED]?: { swallowed: number } };

/** Install once per process; returns a counter of swallowed errors (tests and logs read it). */
export function installDriverGuard(): { swallowed: number } {
  const proc = process as GuardedProcess;
  if (proc[INSTALLED]) return proc[INSTALLED];
  const state = { swallowed: 0 };
  proc[INSTALLED] = state;
  process.on("uncaughtException", (error, origin) => {
    if (isDriverNullSocketError(error)) {
      state.swallowed++;
      const pools = replacePostgresPools();
      log.warn({ err: error, pools }, "database driver wrote to a closed connection; its pool was replaced");
      return;
    }
    if (origin === "unhandledRejection" && isTransientDatabaseError(error)) {
      // A database outage reaching a promise nobody awaited is still only an outage, not a reason to exit.
      log.warn({ err: error }, "unhandled database failure (the connection was lost); ignored");
      return;
    }
    // Our listener disables Node's default crash; keep it unless someone else (a test runner) handles errors.
    if (process.listenerCount("uncaughtException") > 1) return;
    process.stderr.write(`Uncaught ${origin === "unhandledRejection" ? "rejection" : "exception"}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
  return state;
}
