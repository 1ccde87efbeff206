import { sign, verify } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { desc } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { auditCheckpoints } from "../db/schema";
import { env } from "../env";
import { GENESIS_HASH, canonicalJson } from "./audit";
import { chainHead } from "./audit-seal";
import { loadCheckpointKey, type CheckpointKey } from "./checkpoint-key";

/**
 * Signed checkpoints: "the chain's row `seq` has hash `hash`", signed with a key the database
 * never sees. Each is stored twice: a row in audit_checkpoints (the history, exportable) and,
 * for the latest one this node wrote, DATA_DIR/audit-checkpoint.json — outside the reach of
 * whoever owns the tables, so deleting rows *and* checkpoints from the database still shows.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  created_at: string;
  key_id: string;
  signature: string;
  node_id: string | null;
}

export const CHECKPOINT_FILE = "audit-checkpoint.json";

export function checkpointFilePath(dataDir = env().DATA_DIR): string {
  return path.resolve(/*turbopackIgnore: true*/ dataDir, CHECKPOINT_FILE);
}

/** The exact bytes signed: canonical JSON of what the checkpoint asserts. */
export function checkpointStatement(c: Pick<Checkpoint, "seq" | "hash" | "created_at" | "key_id">): Buffer {
  return Buffer.from(canonicalJson({ kind: "coderclawlink.audit.checkpoint", v: 1, seq: c.seq, hash: c.hash, created_at: c.created_at, key_id: c.key_id }));
}

export function signatureValid(c: Checkpoint, key: Pick<CheckpointKey, "publicKey" | "keyId">): boolean {
  if (c.key_id !== key.keyId) return false;
  try {
    return verify(null, checkpointStatement(c), key.publicKey, Buffer.from(c.signature, "base64"));
  } catch {
    return false;
  }
}

/** The latest checkpoint this node wrote to DATA_DIR, or null (none yet, or unreadable). */
export function readLocalCheckpoint(dataDir?: string): Checkpoint | null {
  try {
    return JSON.parse(readFileSync(checkpointFilePath(dataDir), "utf8")) as Checkpoint;
  } catch {
    return null;
  }
}

function writeLocalCheckpoint(c: Checkpoint, dataDir?: string): void {
  const current = readLocalCheckpoint(dataDir);
  if (current && current.seq > c.seq) return;
  const file = checkpointFilePath(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Sign the current sealed head (seq 0 and the genesis hash while the chain is empty) and store
 * the checkpoint in the database and in DATA_DIR. Seal first if the newest rows should count.
 */
export async function writeCheckpoint(db: DbOrTx, options: { nodeId?: string | null; dataDir?: string } = {}): Promise<Checkpoint> {
  const key = loadCheckpointKey({ create: true, dataDir: options.dataDir })!;
  const head = await chainHead(db);
  const unsigned = { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS_HASH, created_at: new Date().toISOString(), key_id: key.keyId };
  const checkpoint: Checkpoint = { ...unsigned, signature: sign(null, checkpointStatement(unsigned), key.privateKey).toString("base64"), node_id: options.nodeId ?? null };
  await db.insert(auditCheckpoints).values({
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    createdAt: new Date(checkpoint.created_at),
    keyId: checkpoint.key_id,
    signature: checkpoint.signature,
    nodeId: checkpoint.node_id,
  });
  writeLocalCheckpoint(checkpoint, options.dataDir);
  return checkpoint;
}

function checkpointJson(row: typeof auditCheckpoints.$inferSelect): Checkpoint {
  return { seq: row.seq, hash: row.hash, created_at: row.createdAt.toISOString(), key_id: row.keyId, signature: row.signature, node_id: row.nodeId };
}

/** Checkpoints stored in the database, newest first. */
export async function listCheckpoints(db: DbOrTx, limit = 100): Promise<Checkpoint[]> {
  const rows = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq), desc(auditCheckpoints.createdAt)).limit(limit);
  return rows.map(checkpointJson);
}

/**
 * The newest checkpoints in the database, for verification. The newest trusted one alone vouches
 * for every row up to its seq (the chain links them); older ones only locate a rewrite closer.
 */
export const VERIFY_CHECKPOINTS = 1000;
