import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import type { RawRow } from "../db/prepared";
import { executions, type Execution, type ExecutionState } from "../db/schema";
import { env } from "../env";
import { CHANNELS } from "./channels";
import { notify } from "./event-log";
import { ACTIVE_STATES } from "./lifecycle";
import { runPrepared, toExecution } from "./rows";

export interface ClaimedTask {
  id: string;
  attempt: number;
  /** PLANNING (preparation follows), RUNNING (claimed straight to RUNNING, or a resumed orphan), or a resumed orphan's state. */
  state: ExecutionState;
  /** True when this claim picks up a resumable task whose previous worker was lost. */
  resumed: boolean;
  /** The row as the claim left it: the worker needs no second read. */
  task: Execution;
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
  /**
   * Whether a freshly claimed task needs no planning (EngineDeps.needsPlanning, negated): it goes
   * PENDING → PLANNING → RUNNING inside the claim transaction, both state events logged.
   * Default: every fresh task stops in PLANNING for its worker to prepare.
   */
  direct?: (task: Execution) => boolean;
}

/** Tasks placed on no remote node: the portal's own workers run them. */
export const LOCAL_PLACEMENT = sql`target_node_id is null and target_labels = '[]'::jsonb`;

/** Wake workers on every node: a task is ready to be claimed. Call inside the enqueuing transaction. */
export async function announceWork(tx: DbOrTx, taskId: string): Promise<void> {
  await notify(tx, CHANNELS.queue, taskId);
}

/**
 * How far into each user's queue a claim looks, in multiples of its limit: enough to step past the
 * rows concurrent claimers hold locked (SKIP LOCKED) without ranking the whole queue. A claim then
 * costs the same with 10 or 10,000 tasks waiting (executions_pending_user_idx; the users with
 * waiting tasks are found by skipping through that index, one probe per user).
 */
const PER_USER_LOOKAHEAD = 4;

/** Arbitrary constant: first key of the per-user advisory locks that make a claim's recount exact. */
const USER_CLAIM_LOCK = 73_424_101;

interface Candidate {
  id: string | null;
  user_id: string | null;
  cap: number | null;
  orphans: boolean;
}

/**
 * Set first in every claim transaction, so the claim's statements are planned (and their generic
 * plans cached) under it: nested loops over plain index scans only. Every set a claim touches is small
 * (the waiting users, a few tasks each, the tasks in flight), but the planner cannot know it from
 * statistics taken at another queue depth — autovacuum analyses between bursts, is switched off on
 * some servers, and PGlite has none. It then hashed the whole PENDING set or bitmap-scanned it
 * to sort it, and claims grew from 1 ms to 20–60 ms with 5,000–10,000 tasks waiting. Plain index
 * scans also mark the dead entries they meet in the queue's partial indexes, so later claims skip them.
 */
export const CLAIM_PLANNER_SETTINGS = sql`select set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
  set_config('enable_bitmapscan', 'off', true)`;

/**
 * The claim's first statement: this claim's candidates, fairest first, locked (SKIP LOCKED), with
 * whether orphans wait. Exported for the test that checks its plan stays linear in the queue.
 */
export function fairPick(placement: SQL, limit: number): SQL {
  const caps = env().RUNNING_TASKS_PER_USER;
  const cap = sql`case u.role when 'ADMIN' then ${caps.ADMIN}::int when 'DEVELOPER' then ${caps.DEVELOPER}::int when 'VIEWER' then ${caps.VIEWER}::int else ${caps.GUEST}::int end`;
  return sql`with recursive waiting(user_id) as (
        (select user_id from executions where state = 'PENDING' and ${placement} order by user_id limit 1)
        union all
        select (select user_id from executions where state = 'PENDING' and ${placement} and user_id > w.user_id order by user_id limit 1)
        from waiting w where w.user_id is not null
      ), in_flight as materialized ( -- counted once, not again for each waiting user
        select user_id, count(*)::int as n from executions where state in ('PLANNING', 'RUNNING') group by user_id
      ), ranked as materialized (
        -- Materialized: ranked once. Inlined, the planner may re-rank it for every PENDING row
        -- (a nested loop, quadratic in the queue) when its statistics are stale, as on a fresh database.
        select p.id, w.user_id, ${cap} as cap, coalesce(f.n, 0) + p.rank as slot
        from waiting w
        join users u on u.id = w.user_id
        left join in_flight f on f.user_id = w.user_id
        cross join lateral (
          select o.id, row_number() over (order by o.created_at, o.id) as rank
          from (
            select id, created_at from executions
            where user_id = w.user_id and state = 'PENDING' and ${placement}
            order by created_at, id
            limit ${limit * PER_USER_LOOKAHEAD}
          ) o
        ) p
      ), candidates as (
        -- x.state compared as text: no PENDING index matches it, so x is only ever looked up by id,
        -- once per ranked row, never scanned whole on the outer side of the join.
        select x.id, k.user_id, k.cap, k.slot, x.created_at from ranked k join executions x on x.id = k.id
        where k.slot <= k.cap and x.state::text = 'PENDING'
        order by k.slot, x.created_at, x.id
        limit ${limit}
        for update of x skip locked
      ), locked as (
        select pg_advisory_xact_lock(${USER_CLAIM_LOCK}, hashtext(l.user_id::text)) from (select distinct user_id from candidates order by user_id) l
      )
      select c.id, c.user_id, c.cap, o.orphans
      from (select exists (select 1 from executions where state in ('PLANNING', 'RUNNING') and claimed_by is null and ${placement}) as orphans) o
      left join (select candidates.*, (select count(*) from locked) as locks from candidates) c on true
      order by c.slot, c.created_at, c.id`;
}

/**
 * Claim up to `limit` tasks for this node in one short transaction of three statements (after CLAIM_PLANNER_SETTINGS). Fresh PENDING
 * tasks move to PLANNING, or straight on to RUNNING when nothing needs planning (directAgentTypes);
 * orphans (resumable tasks whose worker was lost, marked claimed_by = null by the sweeper) keep
 * their state. Either way the attempt number goes up: that is the fence every later write of this
 * worker checks. SKIP LOCKED lets any number of nodes claim concurrently without waiting on each
 * other or taking the same row twice.
 *
 * Fairness: users with fewer tasks in flight (PLANNING or RUNNING) go first, and nobody goes past
 * their role's RUNNING_TASKS_PER_USER; only each waiting user's oldest few tasks are ranked
 * (PER_USER_LOOKAHEAD), so the cost does not grow with the queue. The first statement locks the candidates (SKIP LOCKED) and
 * then each candidate user's advisory lock, in a fixed order so claimers cannot deadlock. The
 * second statement (a fresh snapshot, so a concurrent claim for the same user on another node has
 * committed by then) recounts, keeps only what fits, and claims, logs, audits and notifies in one go.
 */
export async function claimTasks(db: Database, options: ClaimOptions): Promise<ClaimedTask[]> {
  if (options.limit <= 0) return [];
  const placement = options.placement ?? LOCAL_PLACEMENT;
  return db.transaction(async (tx) => {
    await runPrepared(tx, CLAIM_PLANNER_SETTINGS);
    const picked = await runPrepared<Candidate>(tx, fairPick(placement, options.limit));
    const candidates = picked.filter((c) => c.id !== null).map((c, ord) => ({ id: c.id!, user_id: c.user_id!, cap: Number(c.cap), ord }));
    const orphans = picked.some((c) => c.orphans === true || (c.orphans as unknown) === "t");
    if (candidates.length === 0 && !orphans) return [];
    const lease = leaseInterval(options.leaseMs);
    // What every claim writes, fresh or orphaned: the next attempt (the fence), this node, a new lease.
    const claimed = sql`attempt = e.attempt + 1,
              claimed_by = ${options.nodeId},
              remote_seq = 0,
              lease_expires_at = clock_timestamp() + ${lease},
              started_at = coalesce(e.started_at, now()),
              events_count = e.events_count + 1,
              updated_at = now()`;
    const claimedRows = await runPrepared<RawRow & { resumed: boolean | string }>(
      tx,
      sql`with cand as (
            select * from jsonb_to_recordset(${JSON.stringify(candidates)}::jsonb) as c(id uuid, user_id uuid, cap int, ord int)
          ), counts as (
            select user_id, count(*)::int as n from executions
            where state in ('PLANNING', 'RUNNING') and user_id in (select user_id from cand)
            group by user_id
          ), accepted as (
            select id from (
              select c.id, c.cap, coalesce(f.n, 0) + row_number() over (partition by c.user_id order by c.ord) as slot
              from cand c left join counts f on f.user_id = c.user_id
            ) s where s.slot <= s.cap
          ), fresh as (
            update executions e set
              state = 'PLANNING',
              ${claimed}
            from accepted a where e.id = a.id and e.state = 'PENDING'
            returning e.*
          ), orphan_pick as (
            select id from executions
            where ${orphans ? sql`true` : sql`false`} and state in ('PLANNING', 'RUNNING') and claimed_by is null and ${placement}
            order by created_at, id
            limit greatest(0, ${options.limit}::int - (select count(*)::int from accepted))
            for update skip locked
          ), orphaned as (
            update executions e set
              ${claimed}
            from orphan_pick p where e.id = p.id
            returning e.*
          )
          select f.*, false as resumed from fresh f
          union all
          select o.*, true as resumed from orphaned o
          order by resumed, created_at, id`,
    );
    if (claimedRows.length === 0) return [];

    const where = options.nodeName ? { node: options.nodeId, node_name: options.nodeName } : { node: options.nodeId };
    const claims = claimedRows.map((row): ClaimedTask => {
      const task = toExecution(row);
      return { id: task.id, attempt: task.attempt, state: task.state, resumed: row.resumed === true || row.resumed === "t", task };
    });
    const events: { execution_id: string; seq: number; attempt: number; type: string; state: ExecutionState | null; data: Record<string, unknown> }[] = [];
    const audits: { event_type: string; action: string; actor_user_id: string; session_id: string | null; resource_id: string; details: Record<string, unknown> }[] = [];
    const direct: string[] = [];
    for (const claim of claims) {
      const { task } = claim;
      const audit = { actor_user_id: task.userId, session_id: task.sessionId, resource_id: task.id };
      audits.push({ ...audit, event_type: "task.started", action: claim.resumed ? "task.resumed" : "task.started", details: { agent_type: task.agentType, attempt: task.attempt, node: options.nodeId } });
      if (claim.resumed) {
        events.push({ execution_id: task.id, seq: task.eventsCount, attempt: task.attempt, type: "progress", state: null, data: { message: `Resumed on ${options.nodeName ?? options.nodeId} after its worker was lost`, resumed: true, ...where, attempt: task.attempt } });
        continue;
      }
      events.push({ execution_id: task.id, seq: task.eventsCount, attempt: task.attempt, type: "state", state: "PLANNING", data: { from: "PENDING", ...where, attempt: task.attempt } });
      // Nothing to prepare before the agent starts: on to RUNNING in this same transaction.
      if (task.cancelRequestedAt === null && options.direct?.(task)) {
        direct.push(task.id);
        claim.state = task.state = "RUNNING";
        task.eventsCount += 1;
        events.push({ execution_id: task.id, seq: task.eventsCount, attempt: task.attempt, type: "state", state: "RUNNING", data: { from: "PLANNING", ...where, attempt: task.attempt } });
        audits.push({
          ...audit,
          event_type: "agent.executed",
          action: "agent.executed",
          details: { agent_type: task.agentType, attempt: task.attempt, from: "PLANNING", to: "RUNNING", task_id: task.id, node: options.nodeId },
        });
      }
    }
    const notices = claims.map((c) => `${c.id}:${c.task.eventsCount}`);
    await runPrepared(
      tx,
      sql`with run as (
            update executions set state = 'RUNNING', events_count = events_count + 1
            where id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(direct)}::jsonb)) and state = 'PLANNING'
          ), logged as (
            insert into execution_events (execution_id, seq, attempt, type, state, data)
            select * from jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
              as x(execution_id uuid, seq int, attempt int, type text, state execution_state, data jsonb)
          ), audited as (
            insert into audit_events (occurred_at, event_type, actor_user_id, session_id, resource_type, resource_id, action, outcome, details)
            select date_trunc('milliseconds', clock_timestamp()), a.event_type, a.actor_user_id, a.session_id, 'task', a.resource_id, a.action, 'success', a.details
            from jsonb_to_recordset(${JSON.stringify(audits)}::jsonb)
              as a(event_type text, action text, actor_user_id uuid, session_id uuid, resource_id text, details jsonb)
          )
          select pg_notify(${CHANNELS.events}, n.value) from jsonb_array_elements_text(${JSON.stringify(notices)}::jsonb) n`,
    );
    return claims;
  });
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
