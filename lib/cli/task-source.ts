import type { AnswerBody } from "./answers";
import { call, type Connection } from "./client";
import { followTask } from "./follow";
import type { Task, TaskEvent, TaskState } from "./api/types";

/**
 * One task as the watcher sees it, whatever carries it: the node's API (remoteTask) or the
 * runtime in this process (`run --local`). Failures are CliErrors.
 */
export interface TaskSource {
  readonly taskId: string;
  /** Events after `after`, live, ending after the final state. */
  events(after?: number): AsyncIterable<TaskEvent>;
  state(): Promise<TaskState>;
  task(): Promise<Task>;
  answer(body: AnswerBody): Promise<void>;
}

export function remoteTask(conn: Connection, taskId: string): TaskSource {
  const path = { params: { path: { id: taskId } } };
  return {
    taskId,
    events: (after) => followTask(conn, taskId, { after }),
    state: () => call(conn.api.GET("/api/runtime/tasks/{id}/state", path)),
    task: () => call(conn.api.GET("/api/runtime/tasks/{id}", path)),
    answer: async (body) => {
      await call(conn.api.POST("/api/runtime/tasks/{id}/input", { ...path, body }));
    },
  };
}
