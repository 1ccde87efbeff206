import { describe, expect, it } from "vitest";
import { attributeChunk, decodeSegment, packageOf } from "../../scripts/lib/source-map-bytes";

describe("bundle breakdown: source map bytes", () => {
  it("decodes VLQ segments", () => {
    expect(decodeSegment("AAAA")).toEqual([0, 0, 0, 0]);
    expect(decodeSegment("AAgBC")).toEqual([0, 0, 16, 1]);
    expect(decodeSegment("D")).toEqual([-1]);
    expect(decodeSegment("2H")).toEqual([123]);
    expect(() => decodeSegment("A!")).toThrow();
  });

  it("gives each source the generated text up to the next mapping, unmapped text apart", () => {
    const code = "xxabcdef\nghij";
    // line 0: col 2 → a.js, col 5 → b.js; line 1: col 0 → b.js
    const map = { sources: ["a.js", "b.js"], mappings: "EAAA,GCAA;AAAA" };
    expect(Object.fromEntries(attributeChunk(code, map))).toEqual({ "(unmapped)": 2, "a.js": 3, "b.js": 8 });
  });

  it("reads index maps with section offsets", () => {
    const code = "aaaa\nbbbb";
    const map = { sections: [{ offset: { line: 0, column: 0 }, map: { sources: ["a.js"], mappings: "AAAA" } }, { offset: { line: 1, column: 0 }, map: { sources: ["b.js"], mappings: "AAAA" } }] };
    expect(Object.fromEntries(attributeChunk(code, map))).toEqual({ "a.js": 5, "b.js": 4 });
  });

  it("names packages, scoped ones and our own folders", () => {
    expect(packageOf("turbopack:///[project]/node_modules/recharts/es6/chart/BarChart.js")).toBe("recharts");
    expect(packageOf("turbopack:///[project]/node_modules/@tanstack/query-core/build/modern/query.js")).toBe("@tanstack/query-core");
    expect(packageOf("turbopack:///[project]/node_modules/next/dist/compiled/react-dom/cjs/x.js")).toBe("react-dom (next/dist/compiled)");
    expect(packageOf("turbopack:///[project]/node_modules/next/dist/client/components/router.js")).toBe("next/dist/client");
    expect(packageOf("turbopack:///[project]/components/tasks/event-log.tsx")).toBe("(ours) components/tasks");
    expect(packageOf("turbopack:///[project]/lib/format.ts")).toBe("(ours) lib");
  });
});
