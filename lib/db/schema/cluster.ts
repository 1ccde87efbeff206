import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Processes serving this database; each heartbeats while alive. */
export const nodes = pgTable("nodes", {
  id: text("id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  /** web | worker | web+worker */
  roles: text("roles").notNull(),
  version: text("version").notNull(),
  concurrency: integer("concurrency").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  stoppedAt: timestamp("stopped_at", { withTimezone: true, mode: "date" }),
});

export type NodeRow = typeof nodes.$inferSelect;
