import type { Page } from "@playwright/test";

export class AuditPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/admin/audit");
  }

  async filter(opts: { userEmail?: string; eventType?: string; outcome?: string }) {
    if (opts.userEmail) await this.page.getByTestId("audit-filter-user").selectOption({ label: opts.userEmail });
    if (opts.eventType !== undefined) await this.page.getByTestId("audit-filter-type").fill(opts.eventType);
    if (opts.outcome !== undefined) await this.page.getByTestId("audit-filter-outcome").selectOption(opts.outcome);
    await this.page.getByTestId("audit-apply").click();
  }

  rows() {
    return this.page.getByTestId("audit-row");
  }
}
