import { expect, test, warmUpTestAgent } from "./support/fixtures";

test("agents show availability; an admin sets a secret that is never shown back", async ({ pageAs, apiAs }, testInfo) => {
  await warmUpTestAgent(await apiAs("ADMIN"));
  const page = await pageAs("ADMIN");
  await page.goto("/agents");
  await expect(page.locator('[data-testid="agent-card"][data-agent-type="test-echo"]').getByTestId("agent-availability")).toHaveText("available");
  const claude = page.locator('[data-testid="agent-card"][data-agent-type="claude"]');
  await expect(claude.getByTestId("agent-availability")).toHaveText("unavailable");
  await expect(claude.getByTestId("agent-reason")).not.toBeEmpty();
  await page.screenshot({ path: testInfo.outputPath("agents.png"), fullPage: true });

  await claude.getByTestId("agent-configure").click();
  const secret = page.getByTestId("agent-secret-api_key");
  await expect(secret).toHaveValue("");
  await secret.fill("sk-test-not-a-real-key");
  await page.getByTestId("agent-config-save").click();
  await expect(page.getByTestId("agent-config-dialog")).not.toBeVisible();
  await claude.getByTestId("agent-configure").click();
  await expect(page.getByTestId("agent-secret-api_key")).toHaveValue("");
  await expect(page.getByTestId("agent-secret-api_key")).toHaveAttribute("placeholder", /set/);
  const html = await page.content();
  expect(html).not.toContain("sk-test-not-a-real-key");

  // A viewer sees the catalogue but no settings.
  const viewer = await pageAs("VIEWER");
  await viewer.goto("/agents");
  await expect(viewer.getByTestId("agent-card").first()).toBeVisible();
  await expect(viewer.getByTestId("agent-configure")).toHaveCount(0);
});

test("skills: details for everyone, disable/enable for admins", async ({ pageAs }, testInfo) => {
  const page = await pageAs("ADMIN");
  await page.goto("/skills");
  const card = page.locator('[data-testid="skill-card"][data-skill="code-review"]');
  await expect(card).toBeVisible();
  await card.getByTestId("skill-open").click();
  await expect(page.getByTestId("skill-details")).toContainText("SKILL.md");
  await page.keyboard.press("Escape");
  await page.screenshot({ path: testInfo.outputPath("skills.png"), fullPage: true });

  await card.getByTestId("skill-toggle").click();
  await expect(card).toContainText("disabled");
  const dev = await pageAs("DEVELOPER");
  await dev.goto("/skills");
  await expect(dev.locator('[data-testid="skill-card"][data-skill="explain-repository"]')).toBeVisible();
  await expect(dev.locator('[data-testid="skill-card"][data-skill="code-review"]')).toHaveCount(0);
  await expect(dev.getByTestId("skill-install-form")).toHaveCount(0);

  await card.getByTestId("skill-toggle").click();
  await expect(card).not.toContainText("disabled");
});
