import { describe, expect, it } from "vitest";
import { scriptUrls } from "../../bench/first-load";
import { measure, targetText, valueText } from "../../bench/measures";
import { summarize } from "../../bench/stats";

describe("bench measures", () => {
  it("marks a target met or missed in the target's direction", () => {
    expect(measure("p99", 24, "ms", { target: 25 }).met).toBe(true);
    expect(measure("p99", 26, "ms", { target: 25 }).met).toBe(false);
    expect(measure("ratio", 0.49, "×", { target: 0.5, higherIsBetter: true }).met).toBe(false);
    expect(measure("ratio", 0.5, "×", { target: 0.5, higherIsBetter: true }).met).toBe(true);
    expect(measure("failed run", NaN, "ms", { target: 25 }).met).toBe(false);
    expect(measure("no target", 3, "ms").met).toBeUndefined();
  });

  it("reads as the tables show it", () => {
    expect(targetText(measure("r", 1, "×", { target: 2.7, higherIsBetter: true }))).toBe("≥ 2.7 ×");
    expect(valueText(measure("r", 2.714, "×"))).toBe("2.71 ×");
    expect(valueText(measure("l", 172.4, "ms"))).toBe("172 ms");
    expect(valueText(measure("l", NaN, "ms"))).toBe("n/a");
  });

  it("takes nearest-rank percentiles", () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([s.p50, s.p95, s.p99, s.max]).toEqual([50, 95, 99, 100]);
  });
});

describe("first-load scripts", () => {
  it("counts script tags and script preloads once each, not inline scripts, stylesheets or nomodule scripts", () => {
    const html = `<html><head>
      <link rel="stylesheet" href="/_next/static/css/a.css"/>
      <link rel="preload" as="script" fetchPriority="low" href="/_next/static/chunks/webpack.js"/>
      <script src="/_next/static/chunks/main.js" async=""></script>
      <script src="/_next/static/chunks/webpack.js" async=""></script>
      <link rel="modulepreload" href="/_next/static/chunks/page.js?v=1&amp;x=2"/>
      <script>self.__next_f.push([1,"data"])</script>
      <script src="/_next/static/chunks/polyfills.js" noModule=""></script>
    </head></html>`;
    expect(scriptUrls(html).sort()).toEqual(["/_next/static/chunks/main.js", "/_next/static/chunks/page.js?v=1&x=2", "/_next/static/chunks/webpack.js"]);
  });
});
