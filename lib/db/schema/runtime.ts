import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { devices, runtimeSessions } from "./access";
import { remoteNodes } from "./remote";
import { boardTasks, projects } from "./board";
import { users } from "./identity";

export const executionStateEnum = pgEnum("execution_state", [
  "PENDING",
  "PLANNING",
  "RUNNING",
  "WAITING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
]);

/** The runtime's tasks. The row is the queue entry too: workers claim PENDING rows. */
export const executions = pgTable(
  "executions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: uuid("session_id").references(() => runtimeSessions.id, { onDelete: "set null" }),
    devicePk: uuid("device_pk").references(() => devices.id, { onDelete: "set null" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "set null" }),
    boardTaskId: uuid("board_task_id").references(() => boardTasks.id, { onDelete: "set null" }),
    /** The attempt this one retries, when created by POST …/retry. */
    retryOf: uuid("retry_of"),
    agentType: text("agent_type").notNull(),
    prompt: text("prompt").notNull(),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    skills: jsonb("skills").$type<string[]>().notNull().default([]),
    state: executionStateEnum("state").notNull().default("PENDING"),
    /** Claim fencing: bumped on every claim; every worker write checks it. */
    attempt: integer("attempt").notNull().default(0),
    claimedBy: text("claimed_by"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true, mode: "date" }),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true, mode: "date" }),
    timeoutMs: integer("timeout_ms"),
    waitExpiresAt: timestamp("wait_expires_at", { withTimezone: true, mode: "date" }),
    result: jsonb("result"),
    error: text("error"),
    /** Machine-readable failure reason: node_lost, timeout, agent_error, wait_timeout, … */
    errorCode: text("error_code"),
    /** Placement: only this remote node may run it (null: the portal's own workers, or any node with targetLabels). */
    targetNodeId: uuid("target_node_id").references(() => remoteNodes.id, { onDelete: "set null" }),
    /** Placement: any remote node carrying all these labels may run it. */
    targetLabels: jsonb("target_labels").$type<string[]>().notNull().default([]),
    /** The last clawlink frame seq applied for this attempt: redelivered frames are acknowledged, never applied twice. */
    remoteSeq: integer("remote_seq").notNull().default(0),
    /** Highest seq in execution_events for this task. */
    eventsCount: integer("events_count").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // The claim's fair pick: which users have tasks waiting, and each one's oldest (lib/engine/queue.ts).
    index("executions_pending_user_idx").on(t.userId, t.createdAt, t.id).where(sql`${t.state} = 'PENDING'`),
    index("executions_leased_idx")
      .on(t.leaseExpiresAt)
      .where(sql`${t.state} in ('PLANNING', 'RUNNING')`),
    index("executions_waiting_idx").on(t.waitExpiresAt).where(sql`${t.state} = 'WAITING'`),
    index("executions_user_idx").on(t.userId, t.createdAt, t.id),
    index("executions_created_idx").on(t.createdAt, t.id),
    index("executions_session_idx").on(t.sessionId),
    index("executions_board_task_idx").on(t.boardTaskId),
    index("executions_target_node_idx").on(t.targetNodeId).where(sql`${t.targetNodeId} is not null`),
  ],
);

/** Append-only per-task log; seq is 1, 2, 3 … per task. */
export const executionEvents = pgTable(
  "execution_events",
  {
    executionId: uuid("execution_id")
      .notNull()
      .references(() => executions.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    attempt: integer("attempt").notNull().default(0),
    /** state | output | message | tool_call | tool_result | progress | usage | wait | input | result | error */
    type: text("type").notNull(),
    state: executionStateEnum("state"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.seq] })],
);

export type Execution = typeof executions.$inferSelect;
export type NewExecution = typeof executions.$inferInsert;
export type ExecutionState = (typeof executionStateEnum.enumValues)[number];
export type ExecutionEvent = typeof executionEvents.$inferSelect;
