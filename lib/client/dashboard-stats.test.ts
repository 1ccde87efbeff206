import { describe, expect, it } from "vitest";
import { agentStats, countByState, median, tasksPerHour } from "./dashboard-stats";

describe("dashboard stats", () => {
  it("counts tasks by state, every state present", () => {
    const counts = countByState([{ state: "RUNNING" }, { state: "RUNNING" }, { state: "FAILED" }]);
    expect(counts).toEqual({ PENDING: 0, PLANNING: 0, RUNNING: 2, WAITING: 0, COMPLETED: 0, FAILED: 1, CANCELLED: 0 });
  });

  it("buckets finished tasks by the hour they finished, ignoring running and out-of-window ones", () => {
    const now = new Date("2026-11-22T12:30:00Z");
    const buckets = tasksPerHour(
      [
        { state: "COMPLETED", finished_at: "2026-11-22T12:05:00Z" },
        { state: "FAILED", finished_at: "2026-11-22T12:59:00Z" },
        { state: "CANCELLED", finished_at: "2026-11-22T10:10:00Z" },
        { state: "COMPLETED", finished_at: "2026-11-20T10:10:00Z" },
        { state: "RUNNING", finished_at: null },
      ],
      now,
      3,
    );
    expect(buckets.map((b) => [b.hour, b.COMPLETED, b.FAILED, b.CANCELLED])).toEqual([
      ["2026-11-22T10:00:00.000Z", 0, 0, 1],
      ["2026-11-22T11:00:00.000Z", 0, 0, 0],
      ["2026-11-22T12:00:00.000Z", 1, 1, 0],
    ]);
  });

  it("takes the median of odd and even lists, and null of none", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it("computes success rate over finished tasks and median duration over completed ones", () => {
    const stats = agentStats([
      { agent_type: "claude", state: "COMPLETED", execution_time: 10 },
      { agent_type: "claude", state: "COMPLETED", execution_time: 30 },
      { agent_type: "claude", state: "FAILED", execution_time: 1 },
      { agent_type: "claude", state: "RUNNING", execution_time: 99 },
      { agent_type: "goose", state: "CANCELLED", execution_time: 5 },
    ]);
    expect(stats).toEqual([
      { agent_type: "claude", finished: 3, completed: 2, success_rate: 66.7, median_duration: 20 },
      { agent_type: "goose", finished: 1, completed: 0, success_rate: 0, median_duration: null },
    ]);
  });
});
