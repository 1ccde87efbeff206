import type { Execution, ExecutionEvent } from "../db/schema";
import type { TaskDto, TaskEventDto, TaskStateDto } from "./schemas";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toStateDto(task: Execution, now = new Date()): TaskStateDto {
  const success = task.state === "COMPLETED" ? true : task.state === "FAILED" || task.state === "CANCELLED" ? false : null;
  const executionTime = task.startedAt ? ((task.finishedAt ?? now).getTime() - task.startedAt.getTime()) / 1000 : null;
  return {
    task_id: task.id,
    state: task.state,
    success,
    result: task.result ?? null,
    error: task.error,
    error_code: task.errorCode,
    events_count: task.eventsCount,
    created_at: task.createdAt.toISOString(),
    started_at: iso(task.startedAt),
    finished_at: iso(task.finishedAt),
    execution_time: executionTime,
  };
}

export function toTaskDto(task: Execution, extra: Pick<TaskDto, "pending_question" | "pull_request"> = {}): TaskDto {
  return {
    ...toStateDto(task),
    agent_type: task.agentType,
    prompt: task.prompt,
    context: task.context,
    skills: task.skills,
    user_id: task.userId,
    project_id: task.projectId,
    board_task_id: task.boardTaskId,
    session_id: task.sessionId,
    retry_of: task.retryOf,
    attempt: task.attempt,
    node: task.claimedBy,
    cancel_requested: task.cancelRequestedAt !== null,
    timeout_seconds: task.timeoutMs === null ? null : task.timeoutMs / 1000,
    updated_at: task.updatedAt.toISOString(),
    ...extra,
  };
}

// A log row never changes once written, and the event hub hands the same row object to every
// subscriber of a task: one DTO per row lets transports serialise each event once for all of them.
const eventDtos = new WeakMap<ExecutionEvent, TaskEventDto>();

/** An event row as the API shows it (the same object for the same row: treat it as read-only). */
export function toEventDto(event: ExecutionEvent): TaskEventDto {
  let dto = eventDtos.get(event);
  if (!dto) {
    dto = { seq: event.seq, type: event.type, state: event.state, attempt: event.attempt, data: event.data, created_at: event.createdAt.toISOString() };
    eventDtos.set(event, dto);
  }
  return dto;
}
