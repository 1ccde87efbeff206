import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Tamper-evident audit trail. Rows are chained: hash = sha256(prev_hash + canonical row).
 * A writer inserts its row *unsealed* (seq, prev_hash and hash NULL) inside its own transaction,
 * taking no lock; the cluster's sealer later gives each committed row its place in the chain.
 * Triggers (see the hand-written migrations) refuse DELETE, TRUNCATE and every UPDATE except
 * that one sealing of an unsealed row.
 * Actor/session/device ids are plain columns, not foreign keys, so history outlives its subjects.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Insertion order (a sequence, so writers never wait on each other); orders a sealing batch. */
    entry: bigint("entry", { mode: "number" }).generatedAlwaysAsIdentity(),
    /** Position in the chain, 1, 2, 3 … assigned by the sealer; NULL until sealed. */
    seq: bigint("seq", { mode: "number" }),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
    eventType: text("event_type").notNull(),
    actorUserId: uuid("actor_user_id"),
    sessionId: uuid("session_id"),
    deviceId: text("device_id"),
    ip: text("ip"),
    resourceType: text("resource_type"),
    resourceId: text("resource_id"),
    action: text("action").notNull(),
    /** success | failure | denied */
    outcome: text("outcome").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    /** The previous sealed row's hash (GENESIS_HASH for seq 1); NULL until sealed. */
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => {
    const sealed = sql`${t.seq} is not null`;
    return [
      // Every index the audit browser reads covers sealed rows only (`seq is not null`, which every
      // listing query carries): an unsealed insert touches just the primary key and the unsealed
      // index, the sealer adds the row to the rest. occurred_at rides along (as a trailing key, or
      // INCLUDE on the unique seq index — hand-written in 0007) so a time range is checked in the
      // index without visiting the table; see listAuditEvents for how the query uses them.
      uniqueIndex("audit_events_seq_idx").on(t.seq).where(sealed),
      // Sealed means all three are set, unsealed none of them.
      check("audit_events_sealed_whole", sql`(${t.seq} is null) = (${t.hash} is null) and (${t.seq} is null) = (${t.prevHash} is null)`),
      index("audit_events_unsealed_idx").on(t.entry).where(sql`${t.seq} is null`),
      index("audit_events_actor_idx").on(t.actorUserId, t.seq, t.occurredAt).where(sealed),
      index("audit_events_session_idx").on(t.sessionId, t.seq, t.occurredAt).where(sealed),
      index("audit_events_type_idx").on(t.eventType, t.seq, t.occurredAt).where(sealed),
      index("audit_events_resource_idx").on(t.resourceType, t.resourceId, t.seq, t.occurredAt).where(sealed),
      index("audit_events_actor_type_idx").on(t.actorUserId, t.eventType, t.seq, t.occurredAt).where(sealed),
      // Failures and denials are few: a small index of them alone.
      index("audit_events_outcome_idx").on(t.outcome, t.seq, t.occurredAt).where(sql`${t.seq} is not null and ${t.outcome} <> 'success'`),
      // Time windows: the rows of a window (with one filter) in one index range, seq in the index to sort by.
      index("audit_events_time_idx").on(t.occurredAt, t.seq).where(sealed),
      index("audit_events_actor_time_idx").on(t.actorUserId, t.occurredAt, t.seq).where(sealed),
      index("audit_events_type_time_idx").on(t.eventType, t.occurredAt, t.seq).where(sealed),
      index("audit_events_outcome_time_idx").on(t.outcome, t.occurredAt, t.seq).where(sql`${t.seq} is not null and ${t.outcome} <> 'success'`),
    ];
  },
);

export type AuditEvent = typeof auditEvents.$inferSelect;
/** A row the sealer has placed in the chain. */
export type SealedAuditEvent = AuditEvent & { seq: number; prevHash: string; hash: string };

/**
 * Signed (seq, hash) anchors of the chain. The signing key never enters the database: a copy
 * of each checkpoint here lets anyone list and export them, and verification trusts only a
 * valid signature by the node's key (so rows written here by the table owner prove nothing).
 */
export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    /** sha256 of the public key (hex, first 16 bytes): which key signed it. */
    keyId: text("key_id").notNull(),
    /** Ed25519 signature (base64) over the checkpoint's canonical statement. */
    signature: text("signature").notNull(),
    /** Which node wrote it (informational). */
    nodeId: text("node_id"),
  },
  (t) => [index("audit_checkpoints_seq_idx").on(t.seq)],
);

export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
