import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";

export const remoteNodeStatusEnum = pgEnum("remote_node_status", ["pending", "approved", "revoked"]);

/** What a remote node says it can run (probe results), as advertised over clawlink v1. */
export interface AdvertisedAgent {
  agent_type: string;
  available: boolean;
  reason: string | null;
  version: string | null;
}

export interface AdvertisedSkill {
  name: string;
  description: string;
}

/**
 * Machines running `clawlink node`: they dial out to the portal and run the tasks it assigns,
 * never seeing the database. Identified by an Ed25519 public key; an admin approves each one.
 */
export const remoteNodes = pgTable(
  "remote_nodes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** Raw 32-byte Ed25519 public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** SHA256:<base64> of the raw key, as admins compare it with `clawlink node` output. */
    fingerprint: text("fingerprint").notNull(),
    status: remoteNodeStatusEnum("status").notNull().default("pending"),
    draining: boolean("draining").notNull().default(false),
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
    concurrency: integer("concurrency").notNull().default(1),
    version: text("version"),
    agents: jsonb("agents").$type<AdvertisedAgent[]>().notNull().default([]),
    skills: jsonb("skills").$type<AdvertisedSkill[]>().notNull().default([]),
    /** `<portal process>/<connection>` holding its socket now; null when disconnected. */
    connectedTo: text("connected_to"),
    connectedAt: timestamp("connected_at", { withTimezone: true, mode: "date" }),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }),
    lastIp: text("last_ip"),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("remote_nodes_key_idx").on(t.publicKey),
    uniqueIndex("remote_nodes_name_idx").on(t.name),
    index("remote_nodes_pending_idx").on(t.status).where(sql`${t.status} = 'pending'`),
  ],
);

/** One-time tokens an admin makes so a node is approved the moment it first connects. */
export const remoteNodeEnrolments = pgTable(
  "remote_node_enrolments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    /** When set, only a node of this name may use it. */
    name: text("name"),
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
    usedBy: uuid("used_by").references(() => remoteNodes.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("remote_node_enrolments_hash_idx").on(t.tokenHash)],
);

export type RemoteNode = typeof remoteNodes.$inferSelect;
export type RemoteNodeStatus = (typeof remoteNodeStatusEnum.enumValues)[number];
