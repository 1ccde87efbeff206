import { readFile } from "node:fs/promises";
import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { TaskPages } from "./pages/tasks";

test.beforeEach(async ({ apiAs }) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
});

const MARKDOWN = [
  "## Plan for the fix",
  "",
  "- read the **config**",
  "- change `retries`",
  "",
  "| file | change |",
  "| --- | --- |",
  "| a.ts | +3 |",
  "",
  "```ts",
  "export const retries: number = 3;",
  "```",
  "",
  'Raw HTML stays text: <img src="x" onerror="window.__xss = 1"> <script>window.__xss = 2</script>',
  "",
  "[a bad link](javascript:window.__xss=3)",
].join("\n");

test("agent output reads as markdown with highlighted code, never runs HTML, and tool calls are cards linked to the changes", async ({ pageAs }, testInfo) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  await tasks.submit({
    prompt: "markdown output",
    context: {
      steps: [
        { say: MARKDOWN },
        { tool: "Edit", input: { file_path: "/somewhere/workspace/notes.md", old_string: "old line", new_string: "new line" }, output: "edited" },
        { write: "notes.md", content: "new line\n" },
        { result: "done" },
      ],
    },
  });
  await tasks.expectState("COMPLETED");
  const out = tasks.output();
  await expect(out.getByRole("heading", { name: "Plan for the fix" })).toBeVisible();
  await expect(out.locator("li strong")).toHaveText("config");
  await expect(out.locator("td").first()).toHaveText("a.ts");
  // The code block is highlighted once shiki has loaded.
  await expect(out.locator('[data-testid="output-code"][data-lang="ts"] [data-highlighted="true"]')).toBeVisible();
  await expect(out.getByTestId("output-code")).toContainText("export const retries");
  // HTML in the text is shown, not parsed; the javascript: link lost its URL.
  await expect(out).toContainText('<img src="x" onerror="window.__xss = 1">');
  await expect(out.locator("img, script")).toHaveCount(0);
  expect(await out.getByText("a bad link").getAttribute("href")).not.toContain("javascript");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // Tool calls: collapsed cards with their status; the edit shows its file and diff and links to the Changes view.
  const edit = out.getByTestId("event-tool-call").filter({ hasText: "Edit" });
  await expect(edit).toHaveAttribute("data-status", "done");
  await edit.locator("summary").click();
  await expect(edit.getByTestId("tool-edit")).toContainText("/somewhere/workspace/notes.md");
  await expect(edit.getByTestId("tool-edit")).toContainText("- old line");
  await expect(edit.getByTestId("tool-edit")).toContainText("+ new line");
  await expect(edit.getByTestId("event-tool-result")).toContainText("edited");
  await page.screenshot({ path: testInfo.outputPath("output-markdown.png"), fullPage: true });
  await edit.getByTestId("tool-edit-link").click();
  const file = page.locator('[data-testid="diff-file"][data-path="notes.md"]');
  await expect(file).toBeInViewport({ timeout: 20_000 });
});

test("a 3,000-line log: search finds and shows a match, copy copies it all, download gives text and JSONL", async ({ pageAs, browserName }, testInfo) => {
  expect(browserName).toBe("chromium");
  const page = await pageAs("DEVELOPER");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const tasks = new TaskPages(page);
  const id = await tasks.submit({ prompt: "long log", context: { steps: [{ chunks: 3000, text: "row" }, { say: "finished the **long** run" }] } });
  await tasks.expectState("COMPLETED", 60_000);
  const out = tasks.output();
  await expect(out).toContainText("finished the long run");
  await expect(out).toContainText("row 3000");

  // Search: counted, stepped, and the current match is scrolled into the panel's view.
  await page.getByTestId("output-search").fill("row 1500");
  await expect(page.getByTestId("output-search-count")).toHaveText("1 of 1");
  await expect(out.getByText(/row 1500\n/)).toBeInViewport();
  await page.getByTestId("output-search").fill("row 30");
  // row 30, row 300..309, row 3000
  await expect(page.getByTestId("output-search-count")).toHaveText("1 of 12");
  await page.getByTestId("output-search").press("Enter");
  await expect(page.getByTestId("output-search-count")).toHaveText("2 of 12");
  await page.getByTestId("output-search").fill("no such text");
  await expect(page.getByTestId("output-search-count")).toHaveText("no matches");
  await page.screenshot({ path: testInfo.outputPath("output-long.png") });

  await page.getByTestId("output-copy").click();
  await expect(page.getByTestId("output-copy")).toHaveText("Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain("row 1\n");
  expect(copied).toContain("row 3000\n");

  const [text] = await Promise.all([page.waitForEvent("download"), page.getByTestId("output-download-text").click()]);
  expect(text.suggestedFilename()).toBe(`task-${id.slice(0, 8)}.txt`);
  expect(await readFile((await text.path())!, "utf8")).toContain("row 2999\n");
  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByTestId("output-download-jsonl").click()]);
  const lines = (await readFile((await jsonl.path())!, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as { seq: number; type: string });
  expect(lines[0].seq).toBe(1);
  expect(lines.some((l) => l.type === "output")).toBe(true);
  expect(lines.at(-1)!.type).toBe("state");
});
