import { and, eq, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { executions } from "../db/schema";
import { log } from "../log";
import { appendEvents } from "./event-log";
import { ACTIVE_STATES } from "./lifecycle";
import { announceWork, leaseInterval } from "./queue";
import { transitionTask } from "./transitions";

export interface SweepOptions {
  /** Whether a lost run of this agent type may be replayed (AgentAdapter.resumable). */
  isResumable: (agentType: string) => boolean;
  /** This node, and whether it is still running a task: its own live runs are never swept. */
  nodeId?: string;
  isHeld?: (taskId: string, attempt: number) => boolean;
  /** Extra time a worker gets to enforce a task timeout itself before the sweeper does. */
  graceMs: number;
  /**
   * The lease length. A task is lost only when its lease expired and its node shows no sign of
   * life (no node heartbeat for this long, stopped, or unknown), or when even a live node has not
   * renewed it for a second lease: a node whose lease renewal is merely slow is never blamed.
   */
  leaseMs?: number;
  /** False while leases may not be judged (just after this node's database connection came back). */
  judgeLeases?: boolean;
  batch?: number;
  /** Only recover leases matching this (the clawlink hub sweeps remote nodes' runs, never a local worker's). */
  leaseScope?: SQL;
}

export interface SweepReport {
  lost: number;
  orphaned: number;
  /** Non-resumable tasks whose node died while planning, before the agent started: PENDING again. */
  requeued: number;
  waitTimeouts: number;
  timeouts: number;
}

const leaseExpired = sql`${executions.leaseExpiresAt} < clock_timestamp()`;

/** Lease expired, and the owner is not a live node that is just late renewing it. */
export function lostCondition(leaseMs: number | undefined): SQL {
  if (leaseMs === undefined) return leaseExpired;
  const lease = leaseInterval(leaseMs);
  return sql`(${leaseExpired} and (
    ${executions.leaseExpiresAt} < clock_timestamp() - ${lease}
    or not exists (select 1 from nodes n where n.id = ${executions.claimedBy} and n.stopped_at is null and n.heartbeat_at >= clock_timestamp() - ${lease})
  ))`;
}

/**
 * Recover work whose worker is gone and enforce deadlines. Every node runs it every second or two;
 * each move is a conditional transition, so sweepers racing each other (or a late heartbeat) are harmless.
 */
export async function sweep(db: Database, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { lost: 0, orphaned: 0, requeued: 0, waitTimeouts: 0, timeouts: 0 };
  const batch = options.batch ?? 100;

  const lost = lostCondition(options.leaseMs);
  const expired =
    options.judgeLeases === false
      ? []
      : await db
          .select({ id: executions.id, attempt: executions.attempt, state: executions.state, agentType: executions.agentType, claimedBy: executions.claimedBy, cancelRequestedAt: executions.cancelRequestedAt })
          .from(executions)
          .where(and(inArray(executions.state, [...ACTIVE_STATES]), isNotNull(executions.claimedBy), lost, options.leaseScope))
          .limit(batch);
  for (const task of expired) {
    // A late heartbeat of our own (a starved event loop) is not a lost node: the next heartbeat renews it.
    if (task.claimedBy === options.nodeId && options.isHeld?.(task.id, task.attempt)) continue;
    const base = { taskId: task.id, attempt: task.attempt, when: lost };
    if (task.cancelRequestedAt) {
      if (await transitionTask(db, { ...base, to: "CANCELLED", data: { reason: "cancel requested; worker lost", node: task.claimedBy } })) report.lost++;
    } else if (options.isResumable(task.agentType)) {
      if (await orphan(db, task, lost)) report.orphaned++;
    } else if (task.state === "PLANNING") {
      // The agent had not started yet (it starts on the move to RUNNING): nothing ran, queue it again.
      const requeued = await transitionTask(db, {
        ...base,
        to: "PENDING",
        set: { claimedBy: null, leaseExpiresAt: null, startedAt: null },
        data: { reason: "node_lost_before_start", node: task.claimedBy },
        requeue: true,
      });
      if (requeued) report.requeued++;
    } else {
      const failed = await transitionTask(db, {
        ...base,
        to: "FAILED",
        set: { error: `The worker running this task (${task.claimedBy}) stopped responding; it was not replayed. Retry it to run it again.`, errorCode: "node_lost" },
        data: { reason: "node_lost", node: task.claimedBy },
      });
      if (failed) report.lost++;
    }
  }

  const waits = await db
    .select({ id: executions.id })
    .from(executions)
    .where(and(eq(executions.state, "WAITING"), lt(executions.waitExpiresAt, sql`clock_timestamp()`)))
    .limit(batch);
  for (const task of waits) {
    const failed = await transitionTask(db, {
      taskId: task.id,
      to: "FAILED",
      from: ["WAITING"],
      when: sql`${executions.waitExpiresAt} < clock_timestamp()`,
      set: { error: "Nobody answered the agent's question in time", errorCode: "wait_timeout" },
      data: { reason: "wait_timeout" },
      control: "fail",
    });
    if (failed) report.waitTimeouts++;
  }

  const deadline = sql`${executions.startedAt} + (${executions.timeoutMs} + ${Math.round(options.graceMs)}::int) * interval '1 millisecond' < clock_timestamp()`;
  const late = await db
    .select({ id: executions.id })
    .from(executions)
    .where(and(inArray(executions.state, [...ACTIVE_STATES]), isNotNull(executions.timeoutMs), deadline))
    .limit(batch);
  for (const task of late) {
    const failed = await transitionTask(db, {
      taskId: task.id,
      to: "FAILED",
      when: deadline,
      set: { error: "The task ran longer than its time limit", errorCode: "timeout" },
      data: { reason: "timeout" },
      control: "fail",
    });
    if (failed) report.timeouts++;
  }
  if (report.lost + report.orphaned + report.requeued + report.waitTimeouts + report.timeouts > 0) log.info(report, "sweeper recovered tasks");
  return report;
}

/**
 * A resumable task lost its worker: drop the claim so any node can pick it up again. A RUNNING or
 * PLANNING orphan is claimable at once; a WAITING one stays answerable and becomes claimable when
 * answered (provideInput moves it to RUNNING with no live owner).
 */
async function orphan(db: Database, task: { id: string; attempt: number; state: string; claimedBy: string | null }, lost: SQL): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(executions)
      .set({ claimedBy: null, leaseExpiresAt: null })
      .where(and(eq(executions.id, task.id), eq(executions.attempt, task.attempt), inArray(executions.state, [...ACTIVE_STATES]), lost))
      .returning({ state: executions.state });
    if (!rows[0]) return false;
    await appendEvents(tx, task.id, [{ type: "progress", data: { message: `Worker ${task.claimedBy} was lost; the task will resume on another worker`, node_lost: task.claimedBy } }]);
    if (rows[0].state !== "WAITING") await announceWork(tx, task.id);
    return true;
  });
}
