import { describe, expect, it } from "vitest";
import { parseContext } from "./json-context";

describe("parseContext", () => {
  it("accepts an empty context", () => {
    expect(parseContext("  ")).toEqual({ ok: true, value: undefined });
  });
  it("accepts a JSON object", () => {
    expect(parseContext('{"branch": "main", "n": 1}')).toEqual({ ok: true, value: { branch: "main", n: 1 } });
  });
  it.each(["[1,2]", "42", "null", '"text"'])("refuses %s, which is not an object", (text) => {
    const result = parseContext(text);
    expect(result.ok).toBe(false);
  });
  it("explains a syntax error", () => {
    const result = parseContext("{branch: main}");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^Not valid JSON/);
  });
});
