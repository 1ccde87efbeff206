import type { paths } from "./openapi";

/** The JSON body of a path's successful response, straight from the generated OpenAPI types. */
export type JsonOf<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

export type Task = JsonOf<"/api/runtime/tasks/{id}", "get">;
export type TaskState = JsonOf<"/api/runtime/tasks/{id}/state", "get">;
export type TaskEvent = JsonOf<"/api/runtime/tasks/{id}/events", "get">["events"][number];
export type PendingQuestion = NonNullable<Task["pending_question"]>;
export type LifecycleState = TaskState["state"];

export const TERMINAL_STATES: readonly LifecycleState[] = ["COMPLETED", "FAILED", "CANCELLED"];
export const isTerminalState = (state: string | null | undefined): boolean => TERMINAL_STATES.includes(state as LifecycleState);
