import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import { selectRows } from "../db/sql";
import { executions, type ExecutionState } from "../db/schema";
import { env } from "../env";
import { recordAudit } from "../security/audit";
import { CHANNELS } from "./channels";
import { insertEventRows, notify } from "./event-log";
import { ACTIVE_STATES } from "./lifecycle";

export interface ClaimedTask {
  id: string;
  attempt: number;
  state: ExecutionState;
  /** True when this claim picks up a resumable task whose previous worker was lost. */
  resumed: boolean;
}

interface ClaimRow {
  id: string;
  attempt: number;
  state: ExecutionState;
  events_count: number;
  user_id: string;
  session_id: string | null;
  agent_type: string;
  resumed: boolean;
}

export function leaseInterval(ms: number) {
  return sql`(${Math.round(ms)}::int * interval '1 millisecond')`;
}

export interface ClaimOptions {
  nodeId: string;
  limit: number;
  leaseMs: number;
  /** Which tasks this claimer may take (default: the portal's own workers' share, LOCAL_PLACEMENT). */
  placement?: SQL;
  /** A readable name for the log (remote nodes: their name; claimed_by holds their stable id). */
  nodeName?: string;
}

/** Tasks placed on no remote node: the portal's own workers run them. */
export const LOCAL_PLACEMENT = sql`target_node_id is null and target_labels = '[]'::jsonb`;

/** Wake workers on every node: a task is ready to be claimed. Call inside the enqueuing transaction. */
export async function announceWork(tx: DbOrTx, taskId: string): Promise<void> {
  await notify(tx, CHANNELS.queue, taskId);
}

/**
 * Claim up to `limit` tasks for this node in one short transaction. Fresh PENDING tasks move to
 * PLANNING; orphans (resumable tasks whose worker was lost, marked claimed_by = null by the
 * sweeper) keep their state. Either way the attempt number goes up: that is the fence every
 * later write of this worker checks. SKIP LOCKED lets any number of nodes claim concurrently
 * without waiting on each other or taking the same row twice.
 */
export async function claimTasks(db: Database, options: ClaimOptions): Promise<ClaimedTask[]> {
  if (options.limit <= 0) return [];
  const placement = options.placement ?? LOCAL_PLACEMENT;
  const where = options.nodeName ? { node: options.nodeId, node_name: options.nodeName } : { node: options.nodeId };
  return db.transaction(async (tx) => {
    const pendingIds = await pickPendingWithinUserLimits(tx, options.limit, placement);
    const fresh = pendingIds.length > 0 ? await claimWhere(tx, sql`id in (${sql.join(pendingIds.map((id) => sql`${id}::uuid`), sql`, `)})`, options, false) : [];
    const rest = options.limit - fresh.length;
    const orphans = rest > 0 ? await claimWhere(tx, sql`state in ('PLANNING', 'RUNNING') and claimed_by is null and ${placement}`, { ...options, limit: rest }, true) : [];
    const rows = [...fresh, ...orphans];
    for (const row of rows) {
      const event = row.resumed
        ? { type: "progress", data: { message: `Resumed on ${options.nodeName ?? options.nodeId} after its worker was lost`, resumed: true, ...where, attempt: row.attempt } }
        : { type: "state", state: "PLANNING" as const, data: { from: "PENDING", ...where, attempt: row.attempt } };
      await insertEventRows(tx, row.id, row.attempt, row.events_count, [event]);
      await recordAudit(tx, {
        eventType: "task.started",
        action: row.resumed ? "task.resumed" : "task.started",
        actorUserId: row.user_id,
        sessionId: row.session_id,
        resourceType: "task",
        resourceId: row.id,
        details: { agent_type: row.agent_type, attempt: row.attempt, node: options.nodeId },
      });
    }
    if (rows.length > 0) {
      // The audit rows above may have waited for the chain lock: start the lease now, not at the claim.
      await tx
        .update(executions)
        .set({ leaseExpiresAt: sql`clock_timestamp() + ${leaseInterval(options.leaseMs)}` })
        .where(inArray(executions.id, rows.map((r) => r.id)));
    }
    return rows.map((r) => ({ id: r.id, attempt: r.attempt, state: r.state, resumed: r.resumed }));
  });
}

/** Arbitrary constant: first key of the per-user advisory locks that make a claim's recount exact. */
const USER_CLAIM_LOCK = 73_424_101;

/**
 * The PENDING tasks this claim may take, fairly: users with fewer tasks in flight (PLANNING or
 * RUNNING) go first, and nobody goes past their role's RUNNING_TASKS_PER_USER. Candidates are
 * locked first (SKIP LOCKED, so claimers never wait on each other's rows); then each candidate
 * user's advisory lock, taken in a fixed order so claimers cannot deadlock, makes the recount
 * exact: a concurrent claim for the same user on another node has committed by the time we count.
 */
async function pickPendingWithinUserLimits(tx: DbOrTx, limit: number, placement: SQL): Promise<string[]> {
  const caps = env().RUNNING_TASKS_PER_USER;
  const cap = sql`case u.role when 'ADMIN' then ${caps.ADMIN}::int when 'DEVELOPER' then ${caps.DEVELOPER}::int when 'VIEWER' then ${caps.VIEWER}::int else ${caps.GUEST}::int end`;
  const candidates = await selectRows<{ id: string; user_id: string; cap: number }>(
    tx,
    sql`with in_flight as (
          select user_id, count(*)::int as n from executions where state in ('PLANNING', 'RUNNING') group by user_id
        ), ranked as (
          select p.id, p.user_id, ${cap} as cap,
                 coalesce(f.n, 0) + row_number() over (partition by p.user_id order by p.created_at, p.id) as slot
          from executions p
          join users u on u.id = p.user_id
          left join in_flight f on f.user_id = p.user_id
          where p.state = 'PENDING' and ${placement}
        )
        select x.id, k.user_id, k.cap from executions x join ranked k on k.id = x.id
        where k.slot <= k.cap and x.state = 'PENDING'
        order by k.slot, x.created_at, x.id
        limit ${limit}
        for update of x skip locked`,
  );
  if (candidates.length === 0) return [];
  const users = [...new Set(candidates.map((c) => c.user_id))].sort();
  for (const user of users) await tx.execute(sql`select pg_advisory_xact_lock(${USER_CLAIM_LOCK}, hashtext(${user}::text))`);
  const counts = await selectRows<{ user_id: string; n: number }>(
    tx,
    sql`select user_id, count(*)::int as n from executions
        where state in ('PLANNING', 'RUNNING') and user_id in (${sql.join(users.map((u) => sql`${u}::uuid`), sql`, `)})
        group by user_id`,
  );
  const inFlight = new Map(counts.map((c) => [c.user_id, Number(c.n)]));
  return candidates
    .filter((c) => {
      const n = inFlight.get(c.user_id) ?? 0;
      if (n >= Number(c.cap)) return false;
      inFlight.set(c.user_id, n + 1);
      return true;
    })
    .map((c) => c.id);
}

async function claimWhere(
  tx: DbOrTx,
  condition: ReturnType<typeof sql>,
  options: ClaimOptions,
  resumed: boolean,
): Promise<ClaimRow[]> {
  const rows = await selectRows<ClaimRow>(
    tx,
    sql`with picked as (
          select id from executions where ${condition}
          order by created_at, id limit ${options.limit} for update skip locked
        )
        update executions e set
          state = case when e.state = 'PENDING' then 'PLANNING'::execution_state else e.state end,
          attempt = e.attempt + 1,
          claimed_by = ${options.nodeId},
          remote_seq = 0,
          lease_expires_at = clock_timestamp() + ${leaseInterval(options.leaseMs)},
          started_at = coalesce(e.started_at, now()),
          events_count = e.events_count + 1,
          updated_at = now()
        from picked where e.id = picked.id
        returning e.id, e.attempt, e.state, e.events_count, e.user_id, e.session_id, e.agent_type`,
  );
  return rows.map((r) => ({ ...r, attempt: Number(r.attempt), events_count: Number(r.events_count), resumed }));
}

export interface HeldTask {
  id: string;
  attempt: number;
}

export interface LeaseStatus {
  id: string;
  attempt: number;
  state: ExecutionState;
  cancelRequestedAt: Date | null;
}

/**
 * Extend the leases of the tasks this node runs and report their current state in one query.
 * A held task missing from the answer, or on another attempt, is lost: its worker must abort.
 */
export async function renewLeases(db: DbOrTx, options: { nodeId: string; held: HeldTask[]; leaseMs: number }): Promise<LeaseStatus[]> {
  if (options.held.length === 0) return [];
  const rows = await db
    .update(executions)
    .set({ leaseExpiresAt: sql`clock_timestamp() + ${leaseInterval(options.leaseMs)}` })
    .where(
      and(
        eq(executions.claimedBy, options.nodeId),
        inArray(executions.state, [...ACTIVE_STATES]),
        inArray(
          executions.id,
          options.held.map((h) => h.id),
        ),
      ),
    )
    .returning({ id: executions.id, attempt: executions.attempt, state: executions.state, cancelRequestedAt: executions.cancelRequestedAt });
  return rows;
}

/** Give a resumable task back (graceful stop): another worker may claim and resume it. */
export async function releaseTask(db: DbOrTx, task: HeldTask): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(executions)
      .set({ claimedBy: null, leaseExpiresAt: null, updatedAt: sql`now()` })
      .where(and(eq(executions.id, task.id), eq(executions.attempt, task.attempt), inArray(executions.state, [...ACTIVE_STATES])))
      .returning({ id: executions.id, state: executions.state });
    if (rows[0] && rows[0].state !== "WAITING") await announceWork(tx, task.id);
    return rows.length > 0;
  });
}
