import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, doublePrecision } from "drizzle-orm/pg-core";
import { users } from "./identity";

export const boardStatusEnum = pgEnum("board_status", ["todo", "in_progress", "in_review", "done", "blocked"]);
export const priorityEnum = pgEnum("priority", ["low", "medium", "high", "urgent"]);

/** Phase 1 projects. */
export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    githubUrl: text("github_url"),
    githubOwner: text("github_owner"),
    githubRepo: text("github_repo"),
    /** A checkout on this machine; tasks get worktrees of it (or work in it, when it is not a git repository). */
    localPath: text("local_path"),
    /** The branch task worktrees start from; null: the repository's default branch. */
    defaultBranch: text("default_branch"),
    /** GitHub credential (token or App), encrypted like agent secrets; never sent back. */
    repoCredentialEncrypted: text("repo_credential_encrypted"),
    /** Last issued task number: keys are KEY-n from this counter, never count(*)+1. */
    taskCounter: integer("task_counter").notNull().default(0),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("projects_key_idx").on(t.key)],
);

/** Phase 1 board tasks (not the runtime's executions). */
export const boardTasks = pgTable(
  "tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    key: text("key").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    status: boardStatusEnum("status").notNull().default("todo"),
    priority: priorityEnum("priority").notNull().default("medium"),
    /** Order within a board column. */
    position: doublePrecision("position").notNull().default(0),
    /** The pull request opened from this card's latest task, when there is one. */
    pullRequest: jsonb("pull_request").$type<{ url: string; number: number; state: string }>(),
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("tasks_key_idx").on(t.key),
    uniqueIndex("tasks_project_number_idx").on(t.projectId, t.number),
    index("tasks_board_idx").on(t.projectId, t.status, t.position),
  ],
);

export type Project = typeof projects.$inferSelect;
export type BoardTask = typeof boardTasks.$inferSelect;
export type BoardStatus = (typeof boardStatusEnum.enumValues)[number];
export type Priority = (typeof priorityEnum.enumValues)[number];
