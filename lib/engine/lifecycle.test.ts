import { describe, expect, it } from "vitest";
import { executionStateEnum } from "../db/schema";
import { ACTIVE_STATES, IllegalTransitionError, STATES, TERMINAL_STATES, allowedFrom, assertTransition, canTransition, isActive, isTerminal } from "./lifecycle";

// The table from DESIGN.md §3, written out independently of the implementation.
const LEGAL = new Set([
  "PENDING>PLANNING",
  "PENDING>CANCELLED",
  "PLANNING>PENDING", // the node died before the agent started (#10)
  "PLANNING>RUNNING",
  "PLANNING>FAILED",
  "PLANNING>CANCELLED",
  "RUNNING>WAITING",
  "RUNNING>COMPLETED",
  "RUNNING>FAILED",
  "RUNNING>CANCELLED",
  "WAITING>RUNNING",
  "WAITING>FAILED",
  "WAITING>CANCELLED",
]);

describe("task lifecycle", () => {
  it("knows exactly the database's states", () => {
    expect([...STATES].sort()).toEqual([...executionStateEnum.enumValues].sort());
  });

  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
  it.each(pairs)("%s → %s is legal only if the design says so", (from, to) => {
    const legal = LEGAL.has(`${from}>${to}`);
    expect(canTransition(from, to)).toBe(legal);
    if (legal) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it("covers all 49 pairs, 13 of them legal", () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter(([f, t]) => canTransition(f, t))).toHaveLength(LEGAL.size);
  });

  it("terminal states are final and every other state can still end", () => {
    for (const s of TERMINAL_STATES) {
      expect(isTerminal(s)).toBe(true);
      expect(STATES.some((to) => canTransition(s, to))).toBe(false);
    }
    for (const s of STATES.filter((x) => !isTerminal(x))) expect(canTransition(s, "CANCELLED")).toBe(true);
  });

  it("allowedFrom is the inverse of the table", () => {
    for (const to of STATES) expect(allowedFrom(to)).toEqual(STATES.filter((from) => LEGAL.has(`${from}>${to}`)));
    // Only the sweeper re-queues, and only from PLANNING (nothing had run yet).
    expect(allowedFrom("PENDING")).toEqual(["PLANNING"]);
  });

  it("active states are the ones a worker holds", () => {
    expect(STATES.filter(isActive)).toEqual([...ACTIVE_STATES]);
  });
});
