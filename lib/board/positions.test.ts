import { describe, expect, it } from "vitest";
import { POSITION_STEP, positionBetween, renumberedPositions } from "./positions";

describe("positionBetween", () => {
  it("starts an empty column at one step", () => {
    expect(positionBetween(null, null)).toBe(POSITION_STEP);
  });

  it("goes above the first card and below the last", () => {
    expect(positionBetween(null, 10)).toBe(10 - POSITION_STEP);
    expect(positionBetween(10, null)).toBe(10 + POSITION_STEP);
  });

  it("splits the gap between two neighbours", () => {
    expect(positionBetween(1024, 2048)).toBe(1536);
    const p = positionBetween(-3.5, -3.25)!;
    expect(p).toBeGreaterThan(-3.5);
    expect(p).toBeLessThan(-3.25);
  });

  it("reports when there is no room left, so the column is renumbered", () => {
    expect(positionBetween(5, 5)).toBeNull();
    expect(positionBetween(6, 5)).toBeNull();
    expect(positionBetween(1, 1 + Number.EPSILON)).toBeNull();
  });

  it("keeps finding room for many inserts at the same spot until precision runs out", () => {
    let above = 1024;
    const below = 2048;
    let inserts = 0;
    for (;;) {
      const next = positionBetween(above, below);
      if (next === null) break;
      expect(next).toBeGreaterThan(above);
      expect(next).toBeLessThan(below);
      above = next;
      inserts++;
    }
    expect(inserts).toBeGreaterThan(30);
  });
});

describe("renumberedPositions", () => {
  it("spaces cards one step apart in order", () => {
    expect(renumberedPositions(3)).toEqual([POSITION_STEP, 2 * POSITION_STEP, 3 * POSITION_STEP]);
    expect(renumberedPositions(0)).toEqual([]);
  });
});
