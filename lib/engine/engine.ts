import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DatabaseHandle } from "../db/client";
import { executions, nodes, type Execution } from "../db/schema";
import { log } from "../log";
import { CHANNELS, parseControlNotice } from "./channels";
import { ACTIVE_STATES } from "./lifecycle";
import { claimTasks, leaseInterval, renewLeases } from "./queue";
import { startSweepLoop, type SweepLoop } from "./sweep-loop";
import { TaskRun, type EngineDeps } from "./task-run";

export interface EngineTimings {
  /** How long a claim lives without a heartbeat; a dead node's tasks are recovered after this. */
  leaseMs: number;
  heartbeatMs: number;
  sweepMs: number;
  /** Fallback claim poll, in case a NOTIFY was missed; wake-ups normally come by NOTIFY. */
  pollMs: number;
  /** Output batching window. */
  batchMs: number;
  /** How long a question may stay unanswered. */
  waitTimeoutMs: number;
  /** How long an aborted agent gets to return before the worker records the outcome without it. */
  abortGraceMs: number;
}

/** Runs that may wait for answers beside each busy worker slot. */
const WAITING_RUNS_PER_SLOT = 3;

export const DEFAULT_TIMINGS: EngineTimings = {
  leaseMs: 10_000,
  heartbeatMs: 3_000,
  sweepMs: 2_000,
  pollMs: 2_000,
  batchMs: 50,
  waitTimeoutMs: 24 * 60 * 60 * 1000,
  abortGraceMs: 5_000,
};

export interface EngineOptions extends Partial<EngineTimings> {
  handle: DatabaseHandle;
  deps: EngineDeps;
  nodeId?: string;
  /** Tasks this node runs at once. */
  concurrency?: number;
  /** Recorded in `nodes` (web | worker | web+worker). */
  roles?: string;
  version?: string;
}

export interface Engine {
  readonly nodeId: string;
  readonly concurrency: number;
  start(): Promise<void>;
  /** Stop claiming, give running tasks up to drainMs, then abandon the rest cleanly. */
  stop(options?: { drainMs?: number }): Promise<void>;
  /** Stop at once and write nothing, as if the process died (tests simulate crashes with it). */
  halt(): Promise<void>;
  /** Look for work now (normally triggered by NOTIFY). */
  pump(): void;
  /** Run one sweep now (normally on a timer). */
  sweepNow(): Promise<void>;
  runningTaskIds(): string[];
}

export function newNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export function createEngine(options: EngineOptions): Engine {
  const t: EngineTimings = { ...DEFAULT_TIMINGS, ...definedOnly(options) };
  const nodeId = options.nodeId ?? newNodeId();
  const concurrency = options.concurrency ?? 4;
  const { db } = options.handle;
  const runs = new Map<string, { run: TaskRun; done: Promise<void> }>();
  // Claiming (poll timer, queue LISTEN) stops first on a graceful stop; leases (heartbeat timers,
  // control LISTEN) are kept until the last run is settled.
  const claimTimers: NodeJS.Timeout[] = [];
  const leaseTimers: NodeJS.Timeout[] = [];
  const claimUnlisteners: (() => Promise<void>)[] = [];
  const leaseUnlisteners: (() => Promise<void>)[] = [];
  let sweeper: SweepLoop | undefined;
  let stopping = false;
  let pumping = false;
  /** The claim loop in flight, if any: a graceful stop waits for it, so no run is added after the drain began. */
  let pumped: Promise<void> = Promise.resolve();
  let pumpAgain = false;

  // A run waiting for a person's answer holds no worker slot: the node claims more work meanwhile,
  // so unanswered questions cannot fill it. The waiting runs stay resident (the agent keeps its
  // process and context, the answer resumes it at once), up to WAITING_RUNS_PER_SLOT × concurrency.
  const maxRuns = concurrency * (1 + WAITING_RUNS_PER_SLOT);
  const busySlots = () => {
    let busy = 0;
    for (const { run } of runs.values()) if (!run.waiting) busy++;
    return busy;
  };
  const { needsPlanning } = options.deps;
  const direct = needsPlanning && ((task: Execution) => !needsPlanning(task));
  const env = { db, nodeId, batchMs: t.batchMs, waitTimeoutMs: t.waitTimeoutMs, abortGraceMs: t.abortGraceMs, deps: options.deps, onWaitingChange: () => pump() };

  const pump = () => {
    if (stopping) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    pumped = (async () => {
      try {
        do {
          pumpAgain = false;
          const free = Math.min(concurrency - busySlots(), maxRuns - runs.size);
          if (free <= 0) break;
          const claimed = await claimTasks(db, { nodeId, limit: free, leaseMs: t.leaseMs, direct });
          for (const claim of claimed) {
            const run = new TaskRun(env, claim);
            const done = run.execute().finally(() => {
              runs.delete(claim.id);
              pump();
            });
            runs.set(claim.id, { run, done });
          }
          if (claimed.length === free) pumpAgain = true;
        } while (pumpAgain && !stopping);
      } catch (error) {
        log.warn({ err: error, nodeId }, "claiming tasks failed; the poll retries");
      } finally {
        pumping = false;
      }
    })();
  };

  /** "This node is alive", on its own row only: it never waits for a task row, so a slow renewal cannot make a live node look dead. */
  const nodeBeat = async () => {
    await db.update(nodes).set({ heartbeatAt: sql`now()` }).where(eq(nodes.id, nodeId));
  };

  const renew = async () => {
    // Judge only the runs in this snapshot: a task claimed while the query ran is not missing from it.
    const held = [...runs.values()].map(({ run }) => run);
    const statuses = new Map((await renewLeases(db, { nodeId, held, leaseMs: t.leaseMs })).map((s) => [s.id, s]));
    for (const run of held) if (runs.get(run.id)?.run === run) run.observe(statuses.get(run.id));
  };

  const sweepNow = async () => {
    await sweeper?.sweepNow();
  };

  /** Run fn every ms, never two at once (a slow call is not piled up behind). */
  const every = (list: NodeJS.Timeout[], ms: number, fn: () => Promise<void> | void, what: string) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.resolve()
        .then(fn)
        .catch((error: unknown) => log.warn({ err: error, nodeId }, `${what} failed`))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    list.push(timer);
  };

  const release = async (timers: NodeJS.Timeout[], unlisteners: (() => Promise<void>)[]) => {
    for (const timer of timers.splice(0)) clearInterval(timer);
    for (const unlisten of unlisteners.splice(0)) await unlisten().catch(() => {});
  };

  const shutdownAll = async () => {
    sweeper?.stop();
    await release(claimTimers, claimUnlisteners);
    await release(leaseTimers, leaseUnlisteners);
  };

  return {
    nodeId,
    concurrency,
    async start() {
      await db
        .insert(nodes)
        .values({ id: nodeId, hostname: hostname(), pid: process.pid, roles: options.roles ?? "worker", version: options.version ?? "0.2.0", concurrency })
        .onConflictDoUpdate({ target: nodes.id, set: { heartbeatAt: sql`now()`, stoppedAt: null, concurrency } });
      // Tasks still claimed under this node id belong to a previous process with the same id (a restart):
      // nothing runs them now, so let the sweep recover them at once rather than after a second lease.
      await db
        .update(executions)
        .set({ leaseExpiresAt: sql`clock_timestamp() - 2 * ${leaseInterval(t.leaseMs)}` })
        .where(and(eq(executions.claimedBy, nodeId), inArray(executions.state, [...ACTIVE_STATES])));
      claimUnlisteners.push(await options.handle.listen(CHANNELS.queue, () => pump()));
      leaseUnlisteners.push(
        await options.handle.listen(CHANNELS.control, (payload) => {
          const notice = parseControlNotice(payload);
          const entry = notice && runs.get(notice.taskId);
          if (entry) entry.run.refresh().catch((error: unknown) => log.warn({ err: error, taskId: notice.taskId }, "control refresh failed"));
        }),
      );
      every(claimTimers, t.pollMs, pump, "claim poll");
      every(leaseTimers, t.heartbeatMs, nodeBeat, "node heartbeat");
      every(leaseTimers, t.heartbeatMs, renew, "lease renewal");
      sweeper = startSweepLoop({
        db,
        nodeId,
        leaseMs: t.leaseMs,
        sweepMs: t.sweepMs,
        isResumable: (type) => options.deps.resolveAgent(type)?.resumable === true,
        isHeld: (id, attempt) => runs.get(id)?.run.attempt === attempt && !runs.get(id)?.run.aborted,
      });
      log.info({ nodeId, concurrency, kind: options.handle.kind, leaseMs: t.leaseMs }, "worker started");
      await sweepNow().catch((error: unknown) => log.warn({ err: error }, "start-up sweep failed"));
      pump();
    },
    async stop({ drainMs = 0 } = {}) {
      if (stopping) return;
      stopping = true;
      // No new work; heartbeats and lease renewals go on, so tasks finishing within the drain keep their claim.
      sweeper?.stop();
      await release(claimTimers, claimUnlisteners);
      await pumped;
      const deadline = Date.now() + drainMs;
      while (runs.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Only what is still running now is handed back (resumable) or failed node_stopped.
      for (const { run } of runs.values()) run.abort("stopping");
      await Promise.all([...runs.values()].map((r) => r.done));
      await release(leaseTimers, leaseUnlisteners);
      await db
        .update(nodes)
        .set({ stoppedAt: sql`now()` })
        .where(eq(nodes.id, nodeId))
        .catch((error: unknown) => log.warn({ err: error, nodeId }, "could not record the stop (the sweepers see the heartbeat end instead)"));
      log.info({ nodeId }, "worker stopped");
    },
    async halt() {
      stopping = true;
      await shutdownAll();
      for (const { run } of runs.values()) run.abort("lost");
      await Promise.all([...runs.values()].map((r) => r.done));
    },
    pump,
    sweepNow,
    runningTaskIds: () => [...runs.keys()],
  };
}

function definedOnly(options: Partial<EngineTimings>): Partial<EngineTimings> {
  const keys = Object.keys(DEFAULT_TIMINGS) as (keyof EngineTimings)[];
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
}
