import { describe, expect, it } from "vitest";
import { RequestBudget } from "./request-budget";

describe("RequestBudget", () => {
  it("allows a burst, then refills at the rate", () => {
    let now = 0;
    const budget = new RequestBudget(10, 3, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    expect(budget.refusals).toBe(1);
    expect(budget.retryAfterMs()).toBe(100);
    now += 100;
    expect(budget.take()).toBe(true);
    expect(budget.refusals).toBe(0);
    expect(budget.take()).toBe(false);
  });

  it("never saves up more than the burst", () => {
    let now = 0;
    const budget = new RequestBudget(100, 2, () => now);
    now += 60_000;
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
  });
});
