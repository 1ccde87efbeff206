import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test, warmUpTestAgent } from "./support/fixtures";

/** The main pages, as an admin sees them (every section visible). */
const PAGES = ["/", "/tasks", "/tasks/new", "/projects", "/agents", "/skills", "/account", "/admin", "/admin/devices", "/admin/policies", "/admin/audit"];

const SIZES = {
  desktop: { width: 1280, height: 800 },
  tablet: { width: 768, height: 1024 },
  phone: { width: 375, height: 812 },
} as const;

async function scan(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("\n    ")}`);
}

for (const [size, viewport] of Object.entries(SIZES)) {
  // Tablets in light mode only: dark mode is the same palette swap at every width.
  for (const scheme of size === "tablet" ? (["light"] as const) : (["light", "dark"] as const)) {
    test(`main pages at ${size} size in ${scheme} mode: no serious or critical accessibility violations${size !== "desktop" ? ", no sideways scrolling" : ""}`, async ({ pageAs, apiAs }, testInfo) => {
      test.setTimeout(240_000);
      const api = await apiAs("ADMIN");
      await warmUpTestAgent(api);
      const submitted = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: "say: **Done**, see `a.ts`" } });
      const { task_id: taskId } = await submitted.json();
      const page = await pageAs("ADMIN");
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(viewport);
      const problems: string[] = [];
      let current = "";
      // A hydration error makes React re-render the whole document: a defect of its own (a <div> inside a <p> …).
      page.on("console", (m) => {
        if (m.type() === "error" && /hydrat|error #(418|423|425)/i.test(m.text())) problems.push(`${current}: hydration error: ${m.text().slice(0, 200)}`);
      });
      for (const path of [...PAGES, `/tasks/${taskId}`]) {
        current = path;
        await page.goto(path);
        await page.waitForLoadState("networkidle").catch(() => undefined);
        await expect(page.locator("main")).toBeVisible();
        if (scheme === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
        else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
        // Loading skeletons are gone (the page shows its data) before scanning.
        await expect(page.locator(".animate-pulse:not([aria-hidden])")).toHaveCount(0, { timeout: 15_000 }).catch(() => undefined);
        const name = path === "/" ? "dashboard" : path.slice(1).replace(/\//g, "-").replace(/[0-9a-f-]{36}$/, "detail");
        await page.screenshot({ path: testInfo.outputPath(`${name}-${size}-${scheme}.png`), fullPage: true });
        for (const v of await scan(page)) problems.push(`${path}: ${v}`);
        expect(await page.title(), `${path} has its own title`).toMatch(/ · coderClawLink$|^coderClawLink$/);
        if (size !== "desktop") {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 1) problems.push(`${path}: the page scrolls sideways by ${overflow}px at ${viewport.width}px`);
        }
      }
      expect(problems, problems.join("\n")).toEqual([]);
    });
  }
}

test("the theme toggle cycles system → light → dark and the choice persists", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/");
  const toggle = page.getByTestId("theme-toggle");
  await expect(toggle).toHaveAttribute("data-theme", "system");
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme", "light");
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme", "dark");
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-theme", "system");
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  // A skip link is the first thing the keyboard reaches.
  await page.reload();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();

  // Shortcuts: ? shows them, Escape closes, g t goes to the tasks, n to a new task.
  await page.locator("main").click({ position: { x: 1, y: 1 } });
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcuts-help")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("shortcuts-help")).toBeHidden();
  await page.keyboard.press("g");
  await page.keyboard.press("t");
  await expect(page).toHaveURL(/\/tasks$/);
  await page.keyboard.press("n");
  await expect(page).toHaveURL(/\/tasks\/new$/);
  // The account menu closes on Escape.
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("sign-out")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("sign-out")).toBeHidden();
});
