/** NOTIFY channels the engine uses. Payloads are small strings, never task content. */
export const CHANNELS = {
  /** A task became claimable (new PENDING row, answered orphan). Payload: task id. */
  queue: "clawlink_queue",
  /** A task's log grew. Payload: `<task id>:<last seq>`. */
  events: "clawlink_events",
  /** Something the owning worker must react to. Payload: `<task id>:cancel|input|fail`. */
  control: "clawlink_control",
} as const;

export type ControlKind = "cancel" | "input" | "fail";

export function parseEventNotice(payload: string): { taskId: string; seq: number } | null {
  const [taskId, seq] = payload.split(":");
  const n = Number(seq);
  return taskId && Number.isInteger(n) ? { taskId, seq: n } : null;
}

export function parseControlNotice(payload: string): { taskId: string; kind: ControlKind } | null {
  const [taskId, kind] = payload.split(":");
  return taskId && (kind === "cancel" || kind === "input" || kind === "fail") ? { taskId, kind } : null;
}
