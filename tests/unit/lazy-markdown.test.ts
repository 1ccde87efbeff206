import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, preloadMarkdown } from "../../components/tasks/output/markdown";

// The markdown renderer loads lazily (components/tasks/output/markdown.tsx). Order matters here:
// the first render happens before anything loaded it.
describe("lazily loaded markdown", () => {
  it("shows the text as it is until the renderer is there, never parsing HTML", () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: "**bold** <img src=x onerror=alert(1)>" }));
    expect(html).toContain('data-rendered="false"');
    expect(html).toContain("**bold** &lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("<img");
  });

  it("renders GitHub-flavoured markdown once loaded, and every later block at once", async () => {
    await preloadMarkdown();
    const html = renderToStaticMarkup(createElement(Markdown, { text: "**bold**\n\n| a | b |\n| - | - |\n| 1 | 2 |" }));
    expect(html).toContain('data-rendered="true"');
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<td>1</td>");
  });
});
