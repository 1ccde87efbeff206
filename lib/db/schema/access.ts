import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, integer } from "drizzle-orm/pg-core";
import { roleEnum, users } from "./identity";

export const deviceTrustEnum = pgEnum("device_trust", ["pending", "trusted", "revoked"]);

/** Bearer tokens for API clients; only a SHA-256 of the secret is kept. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** First characters of the token, shown in lists so people can tell tokens apart. */
    prefix: text("prefix").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("api_tokens_hash_idx").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

/** A client machine as seen for one user; `device_id` is the client's own identifier. */
export const devices = pgTable(
  "devices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id").notNull(),
    name: text("name"),
    trust: deviceTrustEnum("trust").notNull().default("pending"),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastIp: text("last_ip"),
    userAgent: text("user_agent"),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("devices_user_device_idx").on(t.userId, t.deviceId),
    index("devices_pending_idx").on(t.trust).where(sql`${t.trust} = 'pending'`),
  ],
);

export const runtimeSessions = pgTable(
  "runtime_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    devicePk: uuid("device_pk")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastActiveAt: timestamp("last_active_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true, mode: "date" }),
    /** revoked | expired | device_revoked | user_disabled */
    endedReason: text("ended_reason"),
  },
  (t) => [
    uniqueIndex("runtime_sessions_token_idx").on(t.tokenHash),
    index("runtime_sessions_user_idx").on(t.userId, t.createdAt),
    index("runtime_sessions_device_idx").on(t.devicePk),
  ],
);

/** A session's isolated key/value scope. */
export const sessionMemory = pgTable(
  "session_memory",
  {
    sessionId: uuid("session_id")
      .notNull()
      .references(() => runtimeSessions.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: jsonb("value").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("session_memory_pk").on(t.sessionId, t.key)],
);

/**
 * Allow/deny rules narrowing agent:execute and skill:execute.
 * target is an agent_type or skill name ('*' for all); subject is a role or a user id.
 */
export const accessPolicies = pgTable(
  "access_policies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: ["agent", "skill"] }).notNull(),
    target: text("target").notNull(),
    subjectType: text("subject_type", { enum: ["role", "user"] }).notNull(),
    subjectRole: roleEnum("subject_role"),
    subjectUserId: uuid("subject_user_id").references(() => users.id, { onDelete: "cascade" }),
    effect: text("effect", { enum: ["allow", "deny"] }).notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("access_policies_lookup_idx").on(t.kind, t.target)],
);

export type ApiToken = typeof apiTokens.$inferSelect;
export type Device = typeof devices.$inferSelect;
export type DeviceTrust = (typeof deviceTrustEnum.enumValues)[number];
export type RuntimeSession = typeof runtimeSessions.$inferSelect;
export type AccessPolicy = typeof accessPolicies.$inferSelect;
