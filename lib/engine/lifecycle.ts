import type { ExecutionState } from "../db/schema";

/** Every state, in lifecycle order. */
export const STATES = ["PENDING", "PLANNING", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED"] as const satisfies readonly ExecutionState[];

export const TERMINAL_STATES = ["COMPLETED", "FAILED", "CANCELLED"] as const satisfies readonly ExecutionState[];
/** States in which a worker holds the task (a lease and an attempt number). */
export const ACTIVE_STATES = ["PLANNING", "RUNNING", "WAITING"] as const satisfies readonly ExecutionState[];

/** DESIGN.md §3: the only moves a task can make. Terminal states are final. */
const TRANSITIONS: Record<ExecutionState, readonly ExecutionState[]> = {
  PENDING: ["PLANNING", "CANCELLED"],
  // → PENDING: only the sweeper, when the node died before the agent started (nothing ran yet).
  PLANNING: ["PENDING", "RUNNING", "FAILED", "CANCELLED"],
  RUNNING: ["WAITING", "COMPLETED", "FAILED", "CANCELLED"],
  WAITING: ["RUNNING", "FAILED", "CANCELLED"],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: ExecutionState, to: ExecutionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states a task may be in to move to `to`; the engine's conditional UPDATEs use this. */
export function allowedFrom(to: ExecutionState): ExecutionState[] {
  return STATES.filter((from) => canTransition(from, to));
}

export function isTerminal(state: ExecutionState): boolean {
  return (TERMINAL_STATES as readonly ExecutionState[]).includes(state);
}

export function isActive(state: ExecutionState): boolean {
  return (ACTIVE_STATES as readonly ExecutionState[]).includes(state);
}

/** Thrown when code asks for a move the table forbids (a bug, or a lost race seen in memory). */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ExecutionState,
    readonly to: ExecutionState,
  ) {
    super(`Illegal task transition ${from} → ${to}`);
    this.name = "IllegalTransitionError";
  }
}

export function assertTransition(from: ExecutionState, to: ExecutionState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
