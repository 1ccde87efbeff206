import { describe, expect, it } from "vitest";
import { assertSameOrigin } from "./csrf";

const req = (method: string, headers: Record<string, string>, url = "http://portal.test/api/x") => new Request(url, { method, headers });

describe("same-origin check for cookie writes", () => {
  it("lets reads and same-origin writes through", () => {
    expect(() => assertSameOrigin(req("GET", { origin: "https://evil.example" }))).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { origin: "http://portal.test" }))).not.toThrow();
    expect(() => assertSameOrigin(req("POST", {}))).not.toThrow();
    expect(() => assertSameOrigin(req("DELETE", { origin: "https://portal.example", "x-forwarded-host": "portal.example" }))).not.toThrow();
  });

  it("refuses foreign, null and cross-site writes", () => {
    const cases: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { origin: "http://portal.test.evil.example" }];
    for (const headers of cases) {
      expect(() => assertSameOrigin(req("POST", headers)), JSON.stringify(headers)).toThrow(/Cross-site/);
    }
  });
});
