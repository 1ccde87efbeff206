import { boolean, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";

/** Installed Agent Skills (a folder with SKILL.md). */
export const skills = pgTable(
  "skills",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    version: text("version"),
    allowedTools: jsonb("allowed_tools").$type<string[]>().notNull().default([]),
    instructions: text("instructions").notNull(),
    /** Folder on disk holding SKILL.md and its files. */
    path: text("path").notNull(),
    /** bundled | directory | upload | path */
    source: text("source").notNull(),
    checksum: text("checksum").notNull(),
    fileCount: integer("file_count").notNull().default(1),
    sizeBytes: integer("size_bytes").notNull().default(0),
    enabled: boolean("enabled").notNull().default(true),
    installedBy: uuid("installed_by").references(() => users.id, { onDelete: "set null" }),
    installedAt: timestamp("installed_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("skills_name_idx").on(t.name)],
);

/** Per-agent settings stored by admins; secrets are AES-GCM encrypted and never returned. */
export const agentConfigs = pgTable("agent_configs", {
  agentType: text("agent_type").primaryKey(),
  enabled: boolean("enabled").notNull().default(true),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  secretsEncrypted: text("secrets_encrypted"),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type Skill = typeof skills.$inferSelect;
export type AgentConfig = typeof agentConfigs.$inferSelect;
