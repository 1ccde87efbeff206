import { describe, expect, it } from "vitest";
import { findInputProblem, MAX_INPUT_DEPTH } from "./input-guard";

const nest = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe("findInputProblem", () => {
  it("accepts ordinary input, including unicode and deep-enough nesting", () => {
    expect(findInputProblem({ prompt: "héllo ✓ \u0001", context: { list: [1, null, true, { x: "y" }] } })).toBeNull();
    expect(findInputProblem(nest(MAX_INPUT_DEPTH))).toBeNull();
    expect(findInputProblem(undefined)).toBeNull();
  });

  it("finds a NUL in any string, at any depth, and in keys, with the path", () => {
    expect(findInputProblem("a\u0000")).toMatchObject({ path: "", code: "nul_character" });
    expect(findInputProblem({ context: { list: ["ok", "b\u0000"] } })).toMatchObject({ path: "context.list.1", code: "nul_character" });
    expect(findInputProblem({ memory: { "k\u0000": 1 } })).toMatchObject({ path: "memory.k\\u0000", code: "nul_character" });
  });

  it("refuses nesting past the limit without recursing (a hundred thousand levels)", () => {
    expect(findInputProblem(nest(MAX_INPUT_DEPTH + 1))).toMatchObject({ code: "too_deep" });
    const hostile = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
    expect(findInputProblem(hostile)).toMatchObject({ code: "too_deep" });
  });
});
