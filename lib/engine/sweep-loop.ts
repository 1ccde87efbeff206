import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { log } from "../log";
import { sweep, type SweepReport } from "./sweeper";

export interface SweepLoopOptions {
  db: Database;
  isResumable: (agentType: string) => boolean;
  /** This node and its live runs (never swept); absent on a node that runs no tasks. */
  nodeId?: string;
  isHeld?: (taskId: string, attempt: number) => boolean;
  leaseMs: number;
  sweepMs: number;
  /**
   * After this node's own database access failed and came back, how long leases are not judged:
   * the other nodes were cut off too, and get this long to renew before anything counts as lost.
   * Defaults to one lease (nodes renew several times per lease).
   */
  reconnectGraceMs?: number;
}

export interface SweepLoop {
  /** One sweep now; resolves to null when a sweep was already running. */
  sweepNow(): Promise<SweepReport | null>;
  /** True while the last database access failed. */
  readonly databaseDown: boolean;
  stop(): void;
}

/**
 * The recovery sweeper every node runs (web-only ones too), on a timer. It never judges leases
 * right after its own connection came back: an outage shorter than a lease fails nothing, a
 * longer one fails only what was not renewed within the grace period after it.
 */
export function startSweepLoop(options: SweepLoopOptions, { timer = true } = {}): SweepLoop {
  const graceMs = options.reconnectGraceMs ?? options.leaseMs;
  let running = false;
  let down = false;
  let judgeFrom = 0;
  let interval: NodeJS.Timeout | undefined;

  const sweepNow = async (): Promise<SweepReport | null> => {
    if (running) return null;
    running = true;
    try {
      if (down) {
        await options.db.execute(sql`select 1`);
        down = false;
        judgeFrom = Date.now() + graceMs;
        log.info({ nodeId: options.nodeId, graceMs }, "database reachable again; leases are judged after the grace period");
      }
      return await sweep(options.db, {
        isResumable: options.isResumable,
        graceMs: options.leaseMs,
        leaseMs: options.leaseMs,
        nodeId: options.nodeId,
        isHeld: options.isHeld,
        judgeLeases: Date.now() >= judgeFrom,
      });
    } catch (error) {
      down = true;
      throw error;
    } finally {
      running = false;
    }
  };

  if (timer) {
    interval = setInterval(() => {
      sweepNow().catch((error: unknown) => log.warn({ err: error, nodeId: options.nodeId }, "sweep failed"));
    }, options.sweepMs);
    interval.unref();
  }
  return {
    sweepNow,
    get databaseDown() {
      return down;
    },
    stop: () => clearInterval(interval),
  };
}
