import { getTableColumns } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Database, DbOrTx } from "../db/client";
import { mapRow, type RawRow } from "../db/prepared";
import { executionEvents, type ExecutionEvent } from "../db/schema";

type Receiver = (taskId: string, rows: readonly ExecutionEvent[]) => void;

const COLUMNS = getTableColumns(executionEvents);
const receivers = new WeakMap<object, Set<Receiver>>();

/**
 * Where rows that a writer of this process has just committed to a task's log go: this process's
 * event hubs on that database (one, but for tests), which hands them to its followers without reading them back.
 * Every write still NOTIFYs, so other nodes, and this hub whenever a handoff does not fit, read
 * the log as before.
 */
export function receiveCommittedEvents(db: Database, receiver: Receiver): () => void {
  let set = receivers.get(db);
  if (!set) receivers.set(db, (set = new Set()));
  set.add(receiver);
  return () => {
    set.delete(receiver);
    if (set.size === 0) receivers.delete(db);
  };
}

/** Whether a write on `db` should return its log rows for the handoff: committed on return, and someone listens. */
export function wantsCommittedEvents(db: DbOrTx): boolean {
  // Inside a caller's transaction the rows are not committed yet: it may still roll back.
  return !(db instanceof PgTransaction) && receivers.has(db);
}

/**
 * Hand rows just committed on `db` (as `json_agg` of the inserted execution_events rows, or the
 * driver's text of it) to the receiver. Never throws: a handoff that fails leaves the NOTIFY's read.
 */
export function handOffCommittedEvents(db: DbOrTx, taskId: string, logged: unknown): void {
  const set = receivers.get(db);
  if (!set || logged === null || logged === undefined) return;
  try {
    const raw = (typeof logged === "string" ? JSON.parse(logged) : logged) as RawRow[];
    const rows = raw.map((row) => mapRow<ExecutionEvent>(COLUMNS, row)).sort((a, b) => a.seq - b.seq);
    if (rows.length > 0) for (const receiver of set) receiver(taskId, rows);
  } catch {
    // The hub reads the rows on the NOTIFY instead.
  }
}
