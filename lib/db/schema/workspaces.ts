import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { runtimeSessions } from "./access";
import { projects } from "./board";
import { users } from "./identity";
import { executions } from "./runtime";

/** Where agents work: a git worktree of a project's repository, or a scratch folder. */
export const workspaces = pgTable(
  "workspaces",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** worktree (a git worktree on its own branch) | scratch (a fresh folder) | folder (a project's local_path that is not a git repository). */
    kind: text("kind").$type<"worktree" | "scratch" | "folder">().notNull(),
    path: text("path").notNull(),
    /** For scratch and folder workspaces: the git dir kept outside the folder, used only to show changes. */
    gitDir: text("git_dir"),
    /** For worktrees: the repository checkout they belong to. */
    repoPath: text("repo_path"),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** A runtime session keeps one workspace per project for its tasks. */
    sessionId: uuid("session_id").references(() => runtimeSessions.id, { onDelete: "set null" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "set null" }),
    branch: text("branch"),
    baseBranch: text("base_branch"),
    baseCommit: text("base_commit"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    removedAt: timestamp("removed_at", { withTimezone: true, mode: "date" }),
    removalReason: text("removal_reason"),
  },
  (t) => [index("workspaces_session_idx").on(t.sessionId), index("workspaces_last_used_idx").on(t.lastUsedAt)],
);

/** A pull request opened from a task's work. */
export interface PullRequestInfo {
  url: string;
  number: number;
  state: "open" | "closed" | "merged";
  head: string;
  base: string;
  created_at: string;
}

/** Which workspace a task ran in and the snapshots its changes are measured between. */
export const taskWorkspaces = pgTable(
  "task_workspaces",
  {
    executionId: uuid("execution_id")
      .primaryKey()
      .references(() => executions.id, { onDelete: "cascade" }),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** HEAD when the task started (its commits are startHead..endHead). */
    startHead: text("start_head").notNull(),
    /** A commit of the whole working tree when the task started (uncommitted work included). */
    startSnapshot: text("start_snapshot").notNull(),
    endHead: text("end_head"),
    endSnapshot: text("end_snapshot"),
    pullRequest: jsonb("pull_request").$type<PullRequestInfo>(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("task_workspaces_workspace_idx").on(t.workspaceId)],
);

export type Workspace = typeof workspaces.$inferSelect;
export type TaskWorkspace = typeof taskWorkspaces.$inferSelect;
