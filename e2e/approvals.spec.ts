import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { TaskPages } from "./pages/tasks";

/** The loopback fakes started in global setup (tests/fakes): Telegram's Bot API and a webhook receiver. */
const telegramUrl = () => process.env.TELEGRAM_API_URL!;
const webhookUrl = () => process.env.E2E_FAKE_WEBHOOK_URL!;
type Sent = { message_id: number; chat_id: string; text: string; reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } };
const fake = async <T>(path: string, body?: unknown): Promise<T> =>
  (await fetch(`${telegramUrl()}${path}`, { method: body ? "POST" : "GET", headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined })).json() as Promise<T>;
const sentMessages = async () => (await fake<{ sent: Sent[] }>("/__fake/sent")).sent;

test.beforeEach(async ({ apiAs }) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
});

test("a task waiting for you: nav count, tab title, toast, system notification, focus on the panel and keyboard approval; the audit card updates when it ends", async ({ pageAs, apiAs }, testInfo) => {
  const page = await pageAs("DEVELOPER");
  await page.context().grantPermissions(["notifications"]);
  // Record system notifications instead of relying on the desktop showing them.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __notifications: string[] }).__notifications = seen;
    const Real = window.Notification;
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        seen.push(`${title}: ${options?.body ?? ""}`);
      }
    }
    Object.defineProperty(window, "Notification", { value: Recording });
  });
  await page.goto("/account");
  await page.getByTestId("browser-alerts-toggle").click();
  await expect(page.getByTestId("browser-alerts")).toHaveAttribute("data-on", "true");

  // Tasks already waiting when the page loaded its list are not announced: let it load the list first
  // (a task now reaches WAITING within milliseconds of its submit).
  const waitingListed = page.waitForResponse((r) => r.url().includes("/api/runtime/tasks?") && r.url().includes("state=WAITING"));
  await page.goto("/tasks");
  await waitingListed;
  const marker = `approve-me-${Date.now()}`;
  const api = await apiAs("DEVELOPER");
  const res = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: marker, context: { steps: [{ approve: `May I ship ${marker}?` }, { say: "shipped" }] } } });
  expect(res.status()).toBe(202);
  const { task_id: id } = await res.json();

  await expect(page.getByTestId("nav-badge-tasks")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("nav-badge-tasks")).toContainText("waiting for you");
  await expect(page).toHaveTitle(/^\(\d+\+?\) /);
  const toast = page.getByTestId("toast").filter({ hasText: `May I ship ${marker}?` });
  await expect(toast).toBeVisible();
  await expect.poll(() => page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications.join("\n"))).toContain(`May I ship ${marker}?`);
  await page.screenshot({ path: testInfo.outputPath("waiting-toast.png") });

  await toast.getByTestId("toast-link").click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}$`));
  const panel = page.getByTestId("wait-panel");
  await expect(panel).toBeFocused();
  await page.keyboard.press("a");
  await new TaskPages(page).expectState("COMPLETED");
  await expect(page.getByTestId("task-audit-list")).toContainText("task.completed", { timeout: 20_000 });
  await expect(page.getByTestId("task-audit-list")).toContainText("task.input_provided");
});

test("link Telegram from the Account page, approve from the chat, and get the webhook post", async ({ pageAs, apiAs }, testInfo) => {
  const page = await pageAs("DEVELOPER");
  await page.goto("/account");
  const telegram = page.getByTestId("telegram-settings");
  if ((await telegram.getByTestId("telegram-status").textContent())?.includes("linked ·")) await telegram.getByTestId("telegram-unlink").click();
  await expect(telegram.getByTestId("telegram-status")).toHaveText("not linked");
  await telegram.getByTestId("telegram-link").click();
  const command = (await telegram.getByTestId("telegram-command").textContent())!;
  expect(command).toMatch(/^\/start [A-Z0-9]{8}$/);
  const chat = 7000 + Math.floor(Math.random() * 1000);
  await fake("/__fake/send", { chat_id: chat, text: command });
  await expect(telegram.getByTestId("telegram-status")).toContainText("linked", { timeout: 20_000 });
  await expect(telegram.getByTestId("telegram-status")).not.toHaveText("not linked");

  const webhook = page.getByTestId("webhook-settings");
  await webhook.getByTestId("webhook-url").fill(webhookUrl());
  await webhook.getByTestId("webhook-save").click();
  await expect(webhook.getByTestId("webhook-status")).toContainText("on · 127.0.0.1");
  await page.screenshot({ path: testInfo.outputPath("account-notifications.png"), fullPage: true });

  const marker = `from-chat-${Date.now()}`;
  const api = await apiAs("DEVELOPER");
  const res = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: marker, context: { steps: [{ approve: `Approve ${marker}?` }] } } });
  const { task_id: id } = await res.json();

  await expect.poll(async () => (await sentMessages()).some((m) => m.chat_id === String(chat) && m.text.includes(`Approve ${marker}?`)), { timeout: 20_000 }).toBe(true);
  const announcement = (await sentMessages()).find((m) => m.text.includes(`Approve ${marker}?`))!;
  const approve = announcement.reply_markup!.inline_keyboard!.flat().find((b) => b.text.includes("Approve"))!;
  await fake("/__fake/press", { chat_id: chat, message_id: announcement.message_id, data: approve.callback_data });
  await expect.poll(async () => (await (await api.get(`/api/runtime/tasks/${id}`)).json()).state, { timeout: 20_000 }).toBe("COMPLETED");

  const received = async () => (await (await fetch(new URL("/__fake/received", webhookUrl()))).json()) as Array<{ text: string }>;
  await expect.poll(async () => (await received()).some((b) => b.text.includes(`/tasks/${id}|${marker}`)), { timeout: 20_000 }).toBe(true);
});
