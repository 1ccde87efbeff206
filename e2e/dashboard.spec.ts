import { expect, test } from "./support/fixtures";

test("the dashboard shows counts, the running and waiting tasks live, charts and activity", async ({ pageAs, apiAs }, testInfo) => {
  const api = await apiAs("DEVELOPER");
  const stamp = Date.now();
  const submit = async (prompt: string) => {
    const res = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt } });
    expect(res.status()).toBe(202);
    return (await res.json()).task_id as string;
  };
  await submit(`say: finished ${stamp}`);
  await submit(`fail: broken ${stamp}`);
  const hanging = await submit(`say: hanging ${stamp}; hang`);
  const asking = await submit(`ask: dashboard question ${stamp}?`);

  const page = await pageAs("DEVELOPER");
  await page.goto("/");
  await expect(page.getByTestId("running-list")).toContainText(`hanging ${stamp}`);
  await expect(page.getByTestId("waiting-list")).toContainText(`ask: dashboard question ${stamp}?`);
  await expect.poll(async () => Number((await page.getByTestId("count-COMPLETED").textContent())?.replace(/\D/g, ""))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number((await page.getByTestId("count-FAILED").textContent())?.replace(/\D/g, ""))).toBeGreaterThanOrEqual(1);
  // The chart library loads lazily: a placeholder first, then both charts draw.
  for (const chart of ["chart-tasks-per-hour", "chart-agents"]) {
    await expect(page.getByTestId(chart).locator(".recharts-wrapper")).toBeVisible();
    await expect(page.getByTestId(chart).locator(".recharts-bar-rectangle").first()).toBeAttached();
  }
  await expect(page.getByTestId("chart-loading")).toHaveCount(0);
  await expect(page.getByTestId("agent-stats-row").filter({ hasText: "test-echo" })).toBeVisible();
  await expect(page.getByTestId("activity-list")).toContainText("task.submitted");
  await page.screenshot({ path: testInfo.outputPath("dashboard.png"), fullPage: true });
  // On a phone the same page stacks into one column, with the navigation scrolling sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId("nav-tasks")).toBeVisible();
  await expect(page.getByTestId("running-list")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("dashboard-mobile.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // Both leave the live panels by themselves once they end.
  expect((await api.post(`/api/runtime/tasks/${hanging}/cancel`)).status()).toBe(200);
  expect((await api.post(`/api/runtime/tasks/${asking}/input`, { data: { answer: "yes" } })).status()).toBe(200);
  await expect(page.getByTestId("running-list").or(page.getByTestId("running-empty"))).not.toContainText(`hanging ${stamp}`);
  await expect(page.getByTestId("waiting-empty")).toBeVisible();
});
