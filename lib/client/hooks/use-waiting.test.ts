import { describe, expect, it } from "vitest";
import { titleWithCount } from "./use-waiting";

describe("titleWithCount", () => {
  it("puts the waiting count in front of the page's title, replacing an older count", () => {
    expect(titleWithCount("Tasks · coderClawLink", 2)).toBe("(2) Tasks · coderClawLink");
    expect(titleWithCount("(2) Tasks · coderClawLink", 3)).toBe("(3) Tasks · coderClawLink");
    expect(titleWithCount("(50+) Tasks", 0)).toBe("Tasks");
    expect(titleWithCount("Tasks", 75)).toBe("(50+) Tasks");
  });
});
