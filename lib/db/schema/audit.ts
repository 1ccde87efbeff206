import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Tamper-evident audit trail. Rows are chained: hash = sha256(prev_hash + canonical row).
 * Triggers (see the hand-written migration) refuse UPDATE and DELETE.
 * Actor/session/device ids are plain columns, not foreign keys, so history outlives its subjects.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Position in the chain, 1, 2, 3 … assigned under the chain lock. */
    seq: bigint("seq", { mode: "number" }).notNull(),
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
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_events_seq_idx").on(t.seq),
    index("audit_events_actor_idx").on(t.actorUserId, t.seq),
    index("audit_events_session_idx").on(t.sessionId, t.seq),
    index("audit_events_type_idx").on(t.eventType, t.seq),
    index("audit_events_resource_idx").on(t.resourceType, t.resourceId, t.seq),
    index("audit_events_time_idx").on(t.occurredAt),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
