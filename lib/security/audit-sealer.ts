import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "../db/client";
import { selectRows } from "../db/sql";
import { log } from "../log";
import { readLocalCheckpoint, writeCheckpoint } from "./audit-checkpoints";
import { chainHead, sealAuditChain } from "./audit-seal";

/** Arbitrary constant: the session advisory lock whose holder is the cluster's sealer. */
const SEALER_ELECTION_LOCK = 7_203_313;

export interface SealerOptions {
  /** How often the sealer seals what has committed: the bound on how long a row stays unsealed. */
  sealEveryMs?: number;
  /** How often a node that is not the sealer tries to become it (takeover delay). */
  electEveryMs?: number;
  /** How often the sealer signs a checkpoint of the head (when the head moved). */
  checkpointEveryMs?: number;
  /** PostgreSQL: a node silent this long (stalled) loses its election session and so the role; keep it well above the intervals. */
  stalledAfterMs?: number;
  nodeId?: string;
  dataDir?: string;
}

export interface AuditSealer {
  /** Whether this node currently holds the sealer lock. */
  readonly leading: boolean;
  /** Resolves after the next full tick (election + seal), for tests and shutdown. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Am I the sealer? Keep the lock if this session holds it, else try to take it. */
const LEADING = sql`case
  when exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and classid = 0 and objid = ${SEALER_ELECTION_LOCK} and objsubid = 1 and granted)
  then true else pg_try_advisory_lock(${SEALER_ELECTION_LOCK}) end`;

/**
 * On PostgreSQL (14+) the same statement (re)arms idle_session_timeout on the election session:
 * a live node runs it every tick, so only a stalled one sits idle long enough for the server to
 * end its session and free the lock for another node.
 */
const electStatement = (stalledAfterMs: number) => sql`select case when current_setting('server_version_num')::int >= 140000
    then set_config('idle_session_timeout', ${String(stalledAfterMs)}, false) end as armed, ${LEADING} as leading`;

/**
 * One sealer per cluster. Every node runs this; the one whose dedicated session holds the
 * election lock seals every `sealEveryMs` and checkpoints every `checkpointEveryMs`. If that
 * node dies its session ends, the lock frees, and another node takes over within `electEveryMs`.
 * Sealing itself is serialised by a transaction lock (audit-seal.ts), so correctness never
 * depends on the election: two sealers at once would just take turns.
 */
export async function startAuditSealer(handle: DatabaseHandle, options: SealerOptions = {}): Promise<AuditSealer> {
  const sealEveryMs = options.sealEveryMs ?? 250;
  const electEveryMs = options.electEveryMs ?? 1_000;
  const checkpointEveryMs = options.checkpointEveryMs ?? 60_000;
  const election = await electionSession(handle, options.stalledAfterMs ?? Math.max(15_000, 4 * Math.max(sealEveryMs, electEveryMs)));
  let leading = false;
  let stopped = false;
  let lastCheckpointAt = 0;
  let lastCheckpointSeq = readLocalCheckpoint(options.dataDir)?.seq ?? -1;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastError: string | undefined;

  const once = async () => {
    try {
      const [row] = await election.elect();
      const nowLeading = row?.leading === true;
      if (nowLeading !== leading) log.info({ nodeId: options.nodeId, leading: nowLeading }, nowLeading ? "audit sealer: this node seals the chain" : "audit sealer: lost the sealer role");
      leading = nowLeading;
      if (!leading) {
        lastError = undefined;
        return;
      }
      await sealAuditChain(handle.db);
      if (Date.now() - lastCheckpointAt >= checkpointEveryMs) {
        const head = await chainHead(handle.db);
        if ((head?.seq ?? 0) !== lastCheckpointSeq) {
          const checkpoint = await writeCheckpoint(handle.db, { nodeId: options.nodeId, dataDir: options.dataDir });
          lastCheckpointSeq = checkpoint.seq;
        }
        lastCheckpointAt = Date.now();
      }
      lastError = undefined;
    } catch (error) {
      // A database outage or a lost session: stop sealing until the election says otherwise.
      leading = false;
      const message = (error as Error).message;
      // Once per distinct failure, not once a second through an outage.
      if (message !== lastError) log.warn({ err: message }, "audit sealer: tick failed; retrying");
      lastError = message;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = once().finally(schedule);
    }, leading ? sealEveryMs : electEveryMs);
    timer.unref();
  };
  running = once().finally(schedule);

  return {
    get leading() {
      return leading;
    },
    async tick() {
      await running;
      running = once();
      await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
      await election.close();
    },
  };
}

interface ElectionSession {
  elect(): Promise<{ leading: boolean }[]>;
  close(): Promise<void>;
}

/**
 * The session that holds the election lock: on Postgres a dedicated connection of its own (a
 * pooled one would hand the lock to whichever query ran on it); PGlite is one session anyway.
 */
async function electionSession(handle: DatabaseHandle, stalledAfterMs: number): Promise<ElectionSession> {
  if (handle.raw.kind === "pglite") {
    // One in-process session that the app shares: no idle timeout here.
    return { elect: () => selectRows<{ leading: boolean }>(handle, sql`select ${LEADING} as leading`), close: async () => {} };
  }
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const single = postgres({ ...handle.raw.client.options, max: 1, onnotice: () => {} } as never);
  const db = drizzle(single);
  return {
    elect: async () => (await db.execute(electStatement(stalledAfterMs))) as unknown as { leading: boolean }[],
    // Ending the session releases the lock at once: the next node's election takes over.
    close: () => single.end({ timeout: 5 }),
  };
}
