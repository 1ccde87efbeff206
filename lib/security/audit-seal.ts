import { asc, desc, isNotNull, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { auditEvents } from "../db/schema";
import { GENESIS_HASH, chainHash } from "./audit";

/**
 * Arbitrary constant naming the transaction lock that serialises *sealing* (never writing):
 * the elected sealer and an on-demand seal (a reader) take turns extending the chain head.
 */
const AUDIT_SEAL_LOCK = 7_203_312;
export const SEAL_BATCH = 500;

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The newest sealed row's (seq, hash), or null while the chain is empty. */
export async function chainHead(db: DbOrTx): Promise<ChainHead | null> {
  const [head] = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(isNotNull(auditEvents.seq))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return head ? { seq: head.seq!, hash: head.hash! } : null;
}

/**
 * Seal up to `limit` committed, unsealed rows: each gets the next seq, the previous row's hash
 * and its own hash. Rows are taken in insertion order among those committed so far, so the
 * chain follows commit order batch by batch (a row committed later lands in a later batch).
 * Returns how many rows it sealed.
 */
export async function sealAuditBatch(db: DbOrTx, limit = SEAL_BATCH): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_SEAL_LOCK})`);
    const pending = await tx.select().from(auditEvents).where(isNull(auditEvents.seq)).orderBy(asc(auditEvents.entry)).limit(limit);
    if (pending.length === 0) return 0;
    const head = await chainHead(tx);
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const seals = pending.map((row) => {
      seq += 1;
      const hash = chainHash(prevHash, { ...row, seq });
      const seal = sql`(${row.id}::uuid, ${seq}::bigint, ${prevHash}::text, ${hash}::text)`;
      prevHash = hash;
      return seal;
    });
    await tx.execute(sql`
      update audit_events as a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
      from (values ${sql.join(seals, sql`, `)}) as v(id, seq, prev_hash, hash)
      where a.id = v.id and a.seq is null`);
    return pending.length;
  });
}

/** Whether any committed row waits to be sealed (one index probe; skips the sealing transaction when idle). */
async function anyUnsealed(db: DbOrTx): Promise<boolean> {
  const [row] = await db.select({ id: auditEvents.id }).from(auditEvents).where(isNull(auditEvents.seq)).limit(1);
  return row !== undefined;
}

/** Seal every row committed so far (a reader's "seal on read"); returns how many it sealed. */
export async function sealAuditChain(db: DbOrTx): Promise<number> {
  if (!(await anyUnsealed(db))) return 0;
  let total = 0;
  for (;;) {
    const sealed = await sealAuditBatch(db);
    total += sealed;
    if (sealed < SEAL_BATCH) return total;
  }
}

/** How many committed rows wait for the sealer. */
export async function unsealedCount(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(isNull(auditEvents.seq));
  return Number(row?.n ?? 0);
}
