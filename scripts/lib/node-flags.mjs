// @ts-check
/**
 * The node flags of the serving process: `npm start` passes them (package.json — a unit test keeps
 * the two in step), the bench and the e2e tests start the server with them. They bound memory the
 * process otherwise keeps for good (README, Benchmark → Memory):
 *
 * - `--v8-pool-size=1`: one V8 background thread instead of 4. With PGlite, V8's optimizing compiler
 *   tiers the hot functions of the embedded Postgres up in those threads; each thread's malloc arena
 *   kept what its compilations freed (13–25 MB each, 55–75 MB in all, measured). One thread, one
 *   arena: about 24 MB. On PostgreSQL it only narrows GC's helpers (2 cores here).
 * - `--max-semi-space-size=8` (MB): V8's young generation, 2 × 16 MB by default, all resident once
 *   grown; 2 × 8 MB is 16 MB less. 4 MB promoted more to the old generation, which grew instead.
 *
 * V8 reads both when the process starts: they cannot be set from inside (v8.setFlagsFromString).
 */
export const SERVER_NODE_FLAGS = ["--v8-pool-size=1", "--max-semi-space-size=8"];

/** The flags this process was started without (start.mjs warns about them). */
export function missingServerFlags(execArgv = process.execArgv) {
  return SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
