import { describe, expect, it } from "vitest";
import { fillHours } from "./dashboard-stats";

describe("fillHours", () => {
  it("lays the server's hours onto every hour of the window, oldest first, zero where none finished", () => {
    const now = new Date("2026-11-22T12:30:00Z");
    const buckets = fillHours(
      [
        { hour: "2026-11-22T10:00:00.000Z", COMPLETED: 0, FAILED: 0, CANCELLED: 1 },
        { hour: "2026-11-22T12:00:00.000Z", COMPLETED: 1, FAILED: 1, CANCELLED: 0 },
        { hour: "2026-11-20T10:00:00.000Z", COMPLETED: 7, FAILED: 0, CANCELLED: 0 },
      ],
      now,
      3,
    );
    expect(buckets.map((b) => [b.hour, b.COMPLETED, b.FAILED, b.CANCELLED])).toEqual([
      ["2026-11-22T10:00:00.000Z", 0, 0, 1],
      ["2026-11-22T11:00:00.000Z", 0, 0, 0],
      ["2026-11-22T12:00:00.000Z", 1, 1, 0],
    ]);
    expect(buckets.every((b) => /^\d\d:\d\d$/.test(b.label))).toBe(true);
  });
});
