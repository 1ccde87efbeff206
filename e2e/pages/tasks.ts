import { expect, type Page } from "@playwright/test";

/** The submit form and the live task page. */
export class TaskPages {
  constructor(readonly page: Page) {}

  async submit(opts: { agent?: string; prompt: string; context?: unknown }): Promise<string> {
    await this.page.goto("/tasks/new");
    await this.page.getByTestId(`agent-option-${opts.agent ?? "test-echo"}`).click();
    await this.page.getByTestId("submit-prompt").fill(opts.prompt);
    if (opts.context !== undefined) await this.page.getByTestId("submit-context").fill(typeof opts.context === "string" ? opts.context : JSON.stringify(opts.context));
    await this.page.getByTestId("submit-task").click();
    await expect(this.page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId("task-detail")).toBeVisible();
    return this.page.url().split("/").pop()!;
  }

  state() {
    return this.page.getByTestId("task-detail").getByTestId("task-state").first();
  }

  output() {
    return this.page.getByTestId("task-output");
  }

  async expectState(state: string, timeout = 20_000) {
    await expect(this.state()).toHaveText(state, { timeout });
  }
}
