import { and, asc, gt, isNotNull } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { auditEvents } from "../db/schema";
import { GENESIS_HASH, chainHash } from "./audit";
import { listCheckpoints, readLocalCheckpoint, signatureValid, VERIFY_CHECKPOINTS, type Checkpoint } from "./audit-checkpoints";
import { unsealedCount } from "./audit-seal";
import { loadCheckpointKey } from "./checkpoint-key";

export type BrokenLinkReason = "seq_gap" | "prev_hash_mismatch" | "hash_mismatch" | "checkpoint_mismatch" | "truncated";

export interface BrokenLink {
  seq: number;
  reason: BrokenLinkReason;
  message: string;
}

export interface ChainWalk {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string } | null;
  first_broken: BrokenLink | null;
}

export interface ChainReport extends ChainWalk {
  /** Committed rows not sealed yet (written after verification sealed the chain). */
  unsealed: number;
  /** The newest checkpoint with a valid signature by this node's key, and where it was found. */
  checkpoint: (Pick<Checkpoint, "seq" | "hash" | "created_at" | "key_id"> & { source: "file" | "database" }) | null;
  checkpoints: { trusted: number; untrusted: number; key_id: string | null };
}

const MESSAGES: Record<BrokenLinkReason, string> = {
  seq_gap: "a row is missing or out of place before this one",
  prev_hash_mismatch: "prev_hash does not equal the previous row's hash (a row was removed, inserted or re-hashed)",
  hash_mismatch: "the row's content no longer matches its hash (it was altered)",
  checkpoint_mismatch: "the row's hash differs from the signed checkpoint at this seq: the chain up to here was rewritten (hashes recomputed)",
  truncated: "the chain ends before the newest signed checkpoint: rows from here on were removed",
};

const broken = (seq: number, reason: BrokenLinkReason): BrokenLink => ({ seq, reason, message: MESSAGES[reason] });

/**
 * Re-walk the sealed chain from seq 1 in batches: each row must follow the previous one without
 * a gap, carry its hash as prev_hash, and hash to its own hash; at every anchored seq (a trusted
 * checkpoint) the hash must equal the anchor's, and the chain must reach the newest anchor.
 * Stops at the first broken link.
 */
export async function verifyAuditChain(db: DbOrTx, anchors: ReadonlyMap<number, string> = new Map(), batchSize = 1000): Promise<ChainWalk> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const head = () => (checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : null);
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(isNotNull(auditEvents.seq), gt(auditEvents.seq, expectedSeq - 1)))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    for (const row of rows) {
      const seq = row.seq!;
      const reason: BrokenLinkReason | null =
        seq !== expectedSeq
          ? "seq_gap"
          : row.prevHash !== prevHash
            ? "prev_hash_mismatch"
            : chainHash(prevHash, { ...row, seq }) !== row.hash
              ? "hash_mismatch"
              : anchors.has(seq) && anchors.get(seq) !== row.hash
                ? "checkpoint_mismatch"
                : null;
      if (reason) return { ok: false, checked, head: head(), first_broken: broken(reason === "seq_gap" ? expectedSeq : seq, reason) };
      checked += 1;
      expectedSeq += 1;
      prevHash = row.hash!;
    }
    if (rows.length < batchSize) break;
  }
  const newestAnchor = Math.max(0, ...anchors.keys());
  if (newestAnchor > checked) return { ok: false, checked, head: head(), first_broken: broken(checked + 1, "truncated") };
  return { ok: true, checked, head: head(), first_broken: null };
}

/**
 * The full check: the chain walk anchored on the checkpoints signed by this node's key — the
 * newest ones in the database and the latest one kept in DATA_DIR. A checkpoint whose signature does not
 * verify (forged, or another key) is counted as untrusted and anchors nothing.
 */
export async function verifyAuditTrailAgainstCheckpoints(db: DbOrTx, options: { dataDir?: string } = {}): Promise<ChainReport> {
  const key = loadCheckpointKey({ create: false, dataDir: options.dataDir });
  const local = readLocalCheckpoint(options.dataDir);
  const candidates: { checkpoint: Checkpoint; source: "file" | "database" }[] = [
    ...(local ? [{ checkpoint: local, source: "file" as const }] : []),
    ...(await listCheckpoints(db, VERIFY_CHECKPOINTS)).map((checkpoint) => ({ checkpoint, source: "database" as const })),
  ];
  const trusted = key ? candidates.filter((c) => signatureValid(c.checkpoint, key)) : [];
  const anchors = new Map<number, string>();
  const conflicting: number[] = [];
  for (const { checkpoint } of trusted) {
    if (checkpoint.seq === 0) continue;
    // Two validly signed checkpoints disagreeing about one seq: the chain was rewritten in between.
    if (anchors.has(checkpoint.seq) && anchors.get(checkpoint.seq) !== checkpoint.hash) conflicting.push(checkpoint.seq);
    anchors.set(checkpoint.seq, checkpoint.hash);
  }
  const walk = await verifyAuditChain(db, anchors);
  const firstConflict = conflicting.length ? Math.min(...conflicting) : null;
  const result =
    firstConflict !== null && (walk.ok || firstConflict < walk.first_broken!.seq) ? { ...walk, ok: false, first_broken: broken(firstConflict, "checkpoint_mismatch") } : walk;
  const newest = trusted.reduce<(typeof trusted)[number] | null>((best, c) => (!best || c.checkpoint.seq > best.checkpoint.seq || (c.checkpoint.seq === best.checkpoint.seq && c.source === "file") ? c : best), null);
  return {
    ...result,
    unsealed: await unsealedCount(db),
    checkpoint: newest ? { seq: newest.checkpoint.seq, hash: newest.checkpoint.hash, created_at: newest.checkpoint.created_at, key_id: newest.checkpoint.key_id, source: newest.source } : null,
    checkpoints: { trusted: trusted.length, untrusted: candidates.length - trusted.length, key_id: key?.keyId ?? null },
  };
}
