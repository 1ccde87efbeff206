import { z } from "zod";
import { STATES } from "../engine/lifecycle";
import { queryInt } from "../validation";
import { pullRequestSchema } from "../workspaces/schemas";

/** Request and response bodies of /api/runtime/tasks/*, shared with the OpenAPI generator. */

const uuid = z.string().uuid({ message: "must be a UUID" });
export const taskStateSchema = z.enum(STATES);

export const submitTaskBody = z.object({
  agent_type: z.string().trim().min(1, "agent_type is required").max(100),
  prompt: z.string().min(1, "prompt must not be empty").max(200_000),
  context: z.record(z.string(), z.unknown()).default({}),
  project_id: uuid.nullish(),
  skills: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  /** Must be the caller's own runtime session (the one it authenticated with, if any). */
  session_id: z.string().max(100).nullish(),
  /** Optional client-chosen id (UUID); submitting it twice answers 409. */
  task_id: uuid.optional(),
  /** Wall-clock limit for the whole run, waits included. */
  timeout_seconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
  /** Run it on this remote node (its name or id). */
  node: z.string().trim().min(1).max(100).optional(),
  /** Run it on any approved remote node carrying all these labels. */
  labels: z.array(z.string().regex(/^[a-z0-9][a-z0-9._:-]{0,62}$/i, "1–63 letters, digits, '.', '_', ':' or '-'")).max(32).optional(),
});
export type SubmitTaskBody = z.infer<typeof submitTaskBody>;

export const provideInputBody = z
  .object({
    answer: z.string().max(100_000).optional(),
    approved: z.boolean().optional(),
    text: z.string().max(100_000).optional(),
  })
  .refine((b) => b.answer !== undefined || b.approved !== undefined || b.text !== undefined, {
    message: "send {answer: text} for a question or {approved: true|false, text?} for an approval",
  });
export type ProvideInputBody = z.infer<typeof provideInputBody>;

export const retryTaskBody = z.object({ session_id: z.string().max(100).nullish() });
export type RetryTaskBody = z.infer<typeof retryTaskBody>;

const stateList = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(taskStateSchema).min(1));

export const listTasksQuery = z.object({
  state: stateList.optional(),
  agent_type: z.string().min(1).max(100).optional(),
  project_id: uuid.optional(),
  session_id: uuid.optional(),
  /** Admins only: everyone's tasks instead of the caller's. */
  all: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").optional(),
  /** Admins only (or your own id): the tasks one person submitted. */
  user_id: uuid.optional(),
  /** Tasks whose prompt contains this text (case-insensitive). */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListTasksQuery = z.infer<typeof listTasksQuery>;

export const eventsQuery = z.object({
  after: queryInt({ min: 0 }).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type EventsQuery = z.infer<typeof eventsQuery>;

export const streamQuery = z.object({ after: queryInt({ min: 0 }).optional() });

export const taskIdParams = z.object({ id: uuid });

// ---- responses ----

const timestamp = z.string().describe("ISO 8601 timestamp");

export const taskEventSchema = z.object({
  seq: z.number().int(),
  type: z.string().describe("state | output | message | tool_call | tool_result | progress | usage | wait | input | result | error | output_lost (events that could not be written; data.events says how many)"),
  state: taskStateSchema.nullable(),
  attempt: z.number().int(),
  data: z.record(z.string(), z.unknown()),
  created_at: timestamp,
});
export type TaskEventDto = z.infer<typeof taskEventSchema>;

export const taskStateResponse = z.object({
  task_id: uuid,
  state: taskStateSchema,
  success: z.boolean().nullable().describe("true when COMPLETED, false when FAILED or CANCELLED, null while running"),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  events_count: z.number().int(),
  created_at: timestamp,
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  execution_time: z.number().nullable().describe("seconds from start to finish (or to now while running)"),
});
export type TaskStateDto = z.infer<typeof taskStateResponse>;

export const pendingQuestionSchema = z.object({
  seq: z.number().int(),
  kind: z.enum(["approval", "question"]),
  prompt: z.string(),
  tool: z.object({ name: z.string(), input: z.unknown().optional() }).optional(),
  options: z.array(z.string()).optional(),
});

export const taskResponse = taskStateResponse.extend({
  agent_type: z.string(),
  prompt: z.string(),
  context: z.record(z.string(), z.unknown()),
  skills: z.array(z.string()),
  user_id: uuid,
  project_id: uuid.nullable(),
  board_task_id: uuid.nullable(),
  session_id: uuid.nullable(),
  retry_of: uuid.nullable(),
  attempt: z.number().int(),
  node: z.string().nullable(),
  cancel_requested: z.boolean(),
  timeout_seconds: z.number().nullable(),
  updated_at: timestamp,
  pending_question: pendingQuestionSchema.nullable().optional(),
  /** The pull request opened from this task's work (GET /api/runtime/tasks/{id} only). */
  pull_request: pullRequestSchema.nullable().optional(),
});
export type TaskDto = z.infer<typeof taskResponse>;

export const submitTaskResponse = taskResponse;

export const taskListResponse = z.object({ tasks: z.array(taskResponse), next_cursor: z.string().nullable() });
export const eventsPageResponse = z.object({
  task_id: uuid,
  state: taskStateSchema,
  events: z.array(taskEventSchema),
  next_after: z.number().int(),
  events_count: z.number().int(),
});
export const cancelTaskResponse = taskStateResponse.extend({ cancel_requested: z.boolean() });
