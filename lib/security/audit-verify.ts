import { asc, gt } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { auditEvents } from "../db/schema";
import { GENESIS_HASH, chainHash } from "./audit";

export type BrokenLinkReason = "seq_gap" | "prev_hash_mismatch" | "hash_mismatch";

export interface ChainReport {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string } | null;
  first_broken: { seq: number; reason: BrokenLinkReason; message: string } | null;
}

const MESSAGES: Record<BrokenLinkReason, string> = {
  seq_gap: "a row is missing or out of place before this one",
  prev_hash_mismatch: "prev_hash does not equal the previous row's hash (a row was removed, inserted or re-hashed)",
  hash_mismatch: "the row's content no longer matches its hash (it was altered)",
};

/**
 * Re-walk the chain from seq 1 in batches: each row must follow the previous one without a
 * gap, carry its hash as prev_hash, and hash to its own hash. Stops at the first broken link.
 */
export async function verifyAuditChain(db: DbOrTx, batchSize = 1000): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.seq, expectedSeq - 1))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    for (const row of rows) {
      const reason: BrokenLinkReason | null =
        row.seq !== expectedSeq ? "seq_gap" : row.prevHash !== prevHash ? "prev_hash_mismatch" : chainHash(row.prevHash, row) !== row.hash ? "hash_mismatch" : null;
      if (reason) {
        const seq = reason === "seq_gap" ? expectedSeq : row.seq;
        return { ok: false, checked, head: checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : null, first_broken: { seq, reason, message: MESSAGES[reason] } };
      }
      checked += 1;
      expectedSeq += 1;
      prevHash = row.hash;
    }
    if (rows.length < batchSize) break;
  }
  return { ok: true, checked, head: checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : null, first_broken: null };
}
