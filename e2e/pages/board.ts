import { expect, type Locator, type Page } from "@playwright/test";

export class BoardPage {
  constructor(readonly page: Page) {}

  column(status: string): Locator {
    return this.page.getByTestId(`column-${status}`);
  }

  card(title: string): Locator {
    return this.page.getByTestId("board-card").filter({ hasText: title });
  }

  async addTask(status: string, title: string) {
    await this.page.getByTestId(`column-add-${status}`).click();
    await this.page.getByTestId("board-task-title").fill(title);
    await this.page.getByTestId("board-task-save").click();
    await expect(this.column(status).getByTestId("board-card").filter({ hasText: title })).toBeVisible();
  }

  /** Drag a card with the mouse and wait until the server saved the move and the board reloaded. */
  async drag(title: string, target: Locator) {
    const saved = this.page.waitForResponse((r) => r.request().method() === "POST" && /\/api\/tasks\/[^/]+\/move$/.test(r.url()));
    const reloaded = this.page.waitForResponse((r) => r.request().method() === "GET" && r.url().includes("/api/tasks?project_id="));
    await this.dragWithMouse(title, target);
    expect((await saved).status()).toBe(200);
    await reloaded;
  }

  /** dnd-kit's pointer sensor needs a few intermediate moves to start and to find the target. */
  private async dragWithMouse(title: string, target: Locator) {
    const source = this.card(title).getByTestId("card-title");
    await expect(source).toBeVisible();
    const from = (await source.boundingBox())!;
    const to = (await target.boundingBox())!;
    await this.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(from.x + from.width / 2 + 12, from.y + from.height / 2 + 12, { steps: 4 });
    await this.page.mouse.move(to.x + to.width / 2, to.y + Math.min(to.height - 20, 120), { steps: 15 });
    // A last small move lets dnd-kit settle on the drop target before the release.
    await this.page.mouse.move(to.x + to.width / 2 + 2, to.y + Math.min(to.height - 20, 120) + 2, { steps: 2 });
    await this.page.mouse.up();
  }
}
