import { z } from "zod";
import { boardStatusEnum, priorityEnum } from "../db/schema";
import { parseGithubUrl } from "./github-url";

/**
 * Request and response shapes of the Phase 1 board API (/api/projects, /api/tasks).
 * Route handlers parse with them and the OpenAPI document is generated from them,
 * so the two can never drift apart.
 */

export const boardStatusSchema = z.enum(boardStatusEnum.enumValues);
export const prioritySchema = z.enum(priorityEnum.enumValues);

const uuid = z.string().uuid({ message: "must be a UUID" });
const timestamp = z.string().datetime({ offset: true }).describe("ISO 8601 timestamp");
const optionalText = (max: number) => z.string().max(max).nullable().optional();

export const projectKeySchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}$/, { message: "2–10 uppercase letters or digits, starting with a letter (like PROJ)" })
  .describe("Short uppercase key; task keys are KEY-1, KEY-2, …");

export const githubUrlSchema = z
  .string()
  .max(500)
  .refine((url) => parseGithubUrl(url) !== null, {
    message: "must be https://github.com/owner/repo(.git) or git@github.com:owner/repo.git",
  })
  .describe("https://github.com/owner/repo(.git) or git@github.com:owner/repo.git");

export const localPathSchema = z
  .string()
  .max(1000)
  .regex(/^\/[^\0]*$/, { message: "must be an absolute path" })
  .describe("A checkout on this machine; CLI agents work there");

export const createProjectBody = z.object({
  key: projectKeySchema,
  name: z.string().trim().min(1).max(200),
  description: optionalText(10_000),
  github_url: githubUrlSchema.nullable().optional(),
  local_path: localPathSchema.nullable().optional(),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

/** The key is fixed once tasks carry it; everything else may change. Unknown fields are refused. */
export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    description: optionalText(10_000),
    github_url: githubUrlSchema.nullable().optional(),
    local_path: localPathSchema.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field to change" });
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;

export const taskCountsSchema = z.object({
  todo: z.number().int(),
  in_progress: z.number().int(),
  in_review: z.number().int(),
  done: z.number().int(),
  blocked: z.number().int(),
  total: z.number().int(),
});
export type TaskCounts = z.infer<typeof taskCountsSchema>;

export const projectSchema = z.object({
  id: uuid,
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  github_url: z.string().nullable(),
  github_owner: z.string().nullable(),
  github_repo: z.string().nullable(),
  local_path: z.string().nullable(),
  task_counter: z.number().int().describe("Last issued task number"),
  task_counts: taskCountsSchema,
  created_by: uuid.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type ProjectJson = z.infer<typeof projectSchema>;

export const projectListSchema = z.array(projectSchema);

export const listProjectsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  cursor: z.string().max(200).optional().describe("The X-Next-Cursor header of the previous page"),
});
export type ListProjectsQuery = z.infer<typeof listProjectsQuery>;

export const projectIdParams = z.object({ id: uuid });
export const taskIdParams = z.object({ id: uuid });

export const createTaskBody = z.object({
  project_id: uuid,
  title: z.string().trim().min(1).max(500),
  description: optionalText(50_000),
  status: boardStatusSchema.default("todo"),
  priority: prioritySchema.default("medium"),
  assignee_id: uuid.nullable().optional(),
});
export type CreateTaskBody = z.infer<typeof createTaskBody>;

export const updateTaskBody = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    description: optionalText(50_000),
    status: boardStatusSchema.optional(),
    priority: prioritySchema.optional(),
    position: z.number().finite().optional().describe("Exact position in the (new) column; omit to append when status changes"),
    assignee_id: uuid.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field to change" });
export type UpdateTaskBody = z.infer<typeof updateTaskBody>;

export const moveTaskBody = z
  .strictObject({
    status: boardStatusSchema.describe("The column the card moves to (may be its current one)"),
    before_id: uuid.nullable().optional().describe("Place the card just before (above) this card"),
    after_id: uuid.nullable().optional().describe("Place the card just after (below) this card"),
  })
  .describe("Without before_id/after_id the card goes to the bottom of the column");
export type MoveTaskBody = z.infer<typeof moveTaskBody>;

const assigneeFilter = z
  .union([uuid, z.literal("me"), z.literal("none")])
  .optional()
  .describe('A user id, "me", or "none" for unassigned');

export const listTasksQuery = z.object({
  project_id: uuid.optional(),
  status: boardStatusSchema.optional(),
  priority: prioritySchema.optional(),
  assignee_id: assigneeFilter,
  assignee: assigneeFilter.describe("Alias of assignee_id"),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  cursor: z.string().max(300).optional().describe("The X-Next-Cursor header of the previous page"),
});
export type ListTasksQuery = z.infer<typeof listTasksQuery>;

export const executionStateSchema = z.enum(["PENDING", "PLANNING", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED"]);

export const taskExecutionSummarySchema = z.object({
  task_id: uuid.describe("The runtime task (execution) id"),
  agent_type: z.string(),
  state: executionStateSchema,
  created_at: timestamp,
  finished_at: timestamp.nullable(),
});

export const boardTaskSchema = z.object({
  id: uuid,
  project_id: uuid,
  project_key: z.string(),
  number: z.number().int(),
  key: z.string().describe("KEY-n"),
  title: z.string(),
  description: z.string().nullable(),
  status: boardStatusSchema,
  priority: prioritySchema,
  position: z.number(),
  assignee_id: uuid.nullable(),
  created_by: uuid.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  last_execution: taskExecutionSummarySchema.nullable().describe("The most recent runtime task started from this card"),
  pull_request: z
    .object({ url: z.string(), number: z.number().int(), state: z.string() })
    .nullable()
    .describe("The pull request opened from this card's task, if any"),
});
export type BoardTaskJson = z.infer<typeof boardTaskSchema>;

export const boardTaskDetailSchema = boardTaskSchema.extend({
  executions: z.array(taskExecutionSummarySchema).describe("Runtime tasks started from this card, newest first (up to 20)"),
});
export type BoardTaskDetailJson = z.infer<typeof boardTaskDetailSchema>;

export const boardTaskListSchema = z.array(boardTaskSchema);

const booleanFlag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
  .transform((v) => v === true || v === "true" || v === "1");

export const executeTaskBody = z.object({
  task_id: uuid.describe("The board task to work on"),
  agent_type: z.string().min(1).max(100),
  prompt: z.string().min(1).max(200_000).optional().describe("Defaults to the card's title and description"),
  context: z.record(z.string(), z.unknown()).optional().describe("Extra context for the agent; the server sets its `project` and `task` keys from the card"),
  skills: z.array(z.string().min(1).max(200)).max(50).optional(),
  wait: booleanFlag.optional().describe("Answer only when the run finishes (bounded by wait_timeout_s)"),
  wait_timeout_s: z.number().int().min(1).max(600).optional().describe("Longest wait when wait=true; default 600"),
});
export type ExecuteTaskBody = z.infer<typeof executeTaskBody>;

export const executeTaskQuery = z.object({
  wait: booleanFlag.optional(),
  wait_timeout_s: z.coerce.number().int().min(1).max(600).optional(),
});
export type ExecuteTaskQuery = z.infer<typeof executeTaskQuery>;

export const phase1StatusSchema = z.enum(["pending", "running", "waiting", "completed", "failed", "cancelled"]);

export const executeTaskResponse = z.object({
  execution_id: uuid.describe("The runtime task id (use it with /api/runtime/tasks/{id}/…)"),
  task_id: uuid.describe("The board task, as sent"),
  task_key: z.string(),
  agent_type: z.string(),
  status: phase1StatusSchema.describe("Phase 1 status"),
  state: executionStateSchema.describe("Phase 2 lifecycle state"),
  success: z.boolean().nullable().describe("null until the run finishes"),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  timed_out: z.boolean().describe("true when wait=true gave up before the run finished"),
  created_at: timestamp,
  completed_at: timestamp.nullable(),
  state_url: z.string(),
  stream_url: z.string(),
});
export type ExecuteTaskResponse = z.infer<typeof executeTaskResponse>;

export const agentTypeSchema = z.object({
  agent_type: z.string(),
  display_name: z.string(),
  description: z.string(),
  backend: z.string(),
  aliases: z.array(z.string()),
});

export const agentTypesResponse = z.object({ types: z.array(agentTypeSchema) });

export const availableAgentSchema = agentTypeSchema.extend({
  available: z.literal(true),
  version: z.string().nullable(),
});

export const availableAgentsResponse = z.object({
  agents: z.array(availableAgentSchema),
  available_agents: z.array(z.string()).describe("Just the agent_type values (Phase 1 shape)"),
});
