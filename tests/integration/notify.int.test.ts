import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, notificationDeliveries } from "../../lib/db/schema";
import { startNotifier, type Notifier } from "../../lib/notify";
import { createLinkCode, redeemLinkCode } from "../../lib/notify/telegram-link";
import { updateDefaults, updatePrefs } from "../../lib/notify/settings";
import { runtimeFor, type Worker } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { POLL, contextFor, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram-server";
import { startFakeWebhook, type FakeWebhook } from "../fakes/webhook-receiver";

describe("notifications: webhook and Telegram announce waiting tasks; the bot acts as the linked person", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let bob: TestUser;
  let viewer: TestUser;
  let worker: Worker;
  let telegram: FakeTelegram;
  let webhook: FakeWebhook;
  let notifier: Notifier;
  const ADA_CHAT = 5001;
  const BOB_CHAT = 5002;
  const STRANGER_CHAT = 5999;

  /** Run notifier rounds until the check passes (a round is enqueue → deliver → read the bot's updates). */
  const settle = async (check: () => unknown | Promise<unknown>) =>
    expect
      .poll(
        async () => {
          await notifier.tick();
          return check();
        },
        POLL,
      )
      .toBeTruthy();

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    webhook = await startFakeWebhook();
    process.env.TELEGRAM_BOT_TOKEN = telegram.token;
    process.env.TELEGRAM_API_URL = telegram.url;
    process.env.NOTIFY_ALLOW_HTTP_WEBHOOKS = "1";
    process.env.APP_URL = "https://claw.example.com";
    ada = await createUser(database.db, { name: "Ada" });
    bob = await createUser(database.db, { name: "Bob" });
    viewer = await createUser(database.db, { name: "Vic", role: "VIEWER" });
    worker = await testWorker(database, { waitTimeoutMs: 120_000 });
    notifier = startNotifier(database, { nodeId: "node-a", loop: false });
  });
  afterAll(async () => {
    await notifier.stop();
    await worker.stop();
    await telegram.close();
    await webhook.close();
    for (const k of ["TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "NOTIFY_ALLOW_HTTP_WEBHOOKS", "APP_URL"]) delete process.env[k];
  });

  it("posts a Slack-compatible webhook with a link to the task, once, retrying a failed delivery", async () => {
    await updatePrefs(database.db, contextFor(ada), { webhook_url: webhook.url, webhook_enabled: true });
    webhook.failNext = 1;
    const id = await submit(database, ada, { prompt: "Deploy the docs", context: { steps: [{ approve: "May I run the deploy script?" }] } });
    await waitForState(database, id, "WAITING");
    // The first try fails (500); the delivery stays pending and is retried when due.
    await settle(async () => (await deliveriesOf(id)).some((d) => d.channel === "webhook" && d.lastError?.includes("500")));
    await database.db.update(notificationDeliveries).set({ nextAttemptAt: new Date(0) }).where(eq(notificationDeliveries.taskId, id));
    await settle(() => webhook.received.length === 1);
    const body = webhook.received[0] as { text: string; blocks: Array<{ type: string; elements?: Array<{ url: string }> }>; task: { id: string; url: string } };
    expect(body.text).toContain("asks for your approval");
    expect(body.text).toContain(`<https://claw.example.com/tasks/${id}|`);
    expect(body.text).toContain("May I run the deploy script?");
    expect(body.blocks.find((b) => b.type === "actions")?.elements?.[0].url).toBe(`https://claw.example.com/tasks/${id}`);
    expect(body.task.id).toBe(id);
    // More rounds, and a second node, send nothing more.
    const other = startNotifier(database, { nodeId: "node-b", loop: false });
    await other.tick();
    await notifier.tick();
    await other.stop();
    expect(webhook.received).toHaveLength(1);
    expect((await deliveriesOf(id)).filter((d) => d.channel === "webhook").map((d) => [d.status, d.attempts])).toEqual([["sent", 2]]);
    await runtime.provideInput(contextFor(ada), id, { approved: true });
    await waitForState(database, id, "COMPLETED");
  });

  it("links a chat with a one-time code; an unlinked chat can do nothing", async () => {
    telegram.send(STRANGER_CHAT, "/tasks");
    await settle(() => telegram.sent.some((m) => m.chat_id === String(STRANGER_CHAT) && m.text.includes("not linked")));

    const { code } = await createLinkCode(database.db, contextFor(ada));
    telegram.send(ADA_CHAT, `/start ${code}`, { username: "ada_tg" });
    await settle(() => telegram.sent.some((m) => m.chat_id === String(ADA_CHAT) && m.text.startsWith("Linked.")));
    // The code worked once.
    telegram.send(STRANGER_CHAT, `/start ${code}`);
    await settle(() => telegram.sent.filter((m) => m.chat_id === String(STRANGER_CHAT)).some((m) => m.text.includes("not valid")));
    expect(await redeemLinkCode(database.db, code, { chatId: "x", username: null })).toBeNull();
    const [linked] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, "link_telegram"), eq(auditEvents.actorUserId, ada.id)));
    expect(linked.details).toMatchObject({ chat_id: String(ADA_CHAT), username: "ada_tg" });

    const bobCode = await createLinkCode(database.db, contextFor(bob));
    telegram.send(BOB_CHAT, `/start ${bobCode.code}`);
    await settle(() => telegram.sent.some((m) => m.chat_id === String(BOB_CHAT) && m.text.startsWith("Linked.")));
  });

  it("announces a waiting approval with Approve/Deny; a press answers it as that person, audited; stale and foreign presses do nothing", async () => {
    const id = await submit(database, ada, { prompt: "approve step", context: { steps: [{ approve: "Delete the build folder?" }, { say: "deleted" }] } });
    await waitForState(database, id, "WAITING");
    await settle(() => telegram.sent.some((m) => m.text.includes("Delete the build folder?")));
    const announcement = telegram.sent.find((m) => m.text.includes("Delete the build folder?"))!;
    expect(announcement.chat_id).toBe(String(ADA_CHAT));
    const buttons = announcement.reply_markup!.inline_keyboard!.flat();
    expect(buttons.map((b) => b.text)).toEqual(["✅ Approve", "🚫 Deny"]);

    // Bob's chat pressing Ada's button: the task is not his, so it is not found and stays WAITING.
    telegram.press(BOB_CHAT, announcement, buttons[0].callback_data);
    // A stranger's press is refused before anything else.
    const strangerPress = telegram.press(STRANGER_CHAT, announcement, buttons[0].callback_data);
    await settle(() => telegram.answers.some((a) => a.callback_query_id === strangerPress && a.text?.includes("not linked")));
    expect((await taskRow(database, id)).state).toBe("WAITING");

    const press = telegram.press(ADA_CHAT, announcement, buttons[0].callback_data);
    await settle(() => telegram.answers.some((a) => a.callback_query_id === press && a.text === "✅ Approved"));
    await waitForState(database, id, "COMPLETED");
    expect(telegram.edits.some((e) => e.message_id === announcement.message_id && e.text.includes(`Approved by ${ada.email}`))).toBe(true);
    const [answered] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "task.input_provided"), eq(auditEvents.resourceId, id)));
    expect(answered.actorUserId).toBe(ada.id);

    // The same button again: already answered.
    const again = telegram.press(ADA_CHAT, announcement, buttons[0].callback_data);
    await settle(() => telegram.answers.some((a) => a.callback_query_id === again && a.text?.includes("already answered")));
  });

  it("a reply to a question answers it", async () => {
    const id = await submit(database, ada, { prompt: "question step", context: { steps: [{ ask: "Which branch?" }] } });
    await waitForState(database, id, "WAITING");
    await settle(() => telegram.sent.some((m) => m.text.includes("Which branch?")));
    const question = telegram.sent.find((m) => m.text.includes("Which branch?"))!;
    expect(question.reply_markup?.force_reply).toBe(true);
    telegram.send(ADA_CHAT, "release/2.0", { replyTo: question.message_id });
    await settle(async () => (await taskRow(database, id)).state === "COMPLETED");
    const done = await runtime.getTask(contextFor(ada), id);
    expect(done.result).toMatchObject({ data: { answers: ["release/2.0"] } });
  });

  it("submit, follow, list and cancel from the chat, with the person's permissions", async () => {
    const before = telegram.sent.length;
    telegram.send(ADA_CHAT, "/submit test-echo say: hello from telegram");
    await settle(() => telegram.sent.slice(before).some((m) => m.text.startsWith("Submitted task")));
    const submitted = telegram.sent.slice(before).find((m) => m.text.startsWith("Submitted task"))!;
    const short = /Submitted task (\w{8})/.exec(submitted.text)![1];
    // Followed automatically: the bot says how it ended.
    await settle(() => telegram.sent.some((m) => m.text.startsWith(`✅ Task ${short} COMPLETED`)));
    const [row] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "task.submitted"), eq(auditEvents.actorUserId, ada.id))).orderBy(auditEvents.seq);
    expect(row).toBeDefined();

    telegram.send(ADA_CHAT, "/tasks");
    await settle(() => telegram.sent.some((m) => m.chat_id === String(ADA_CHAT) && m.text.includes(`${short} COMPLETED`)));

    const slow = await submit(database, ada, { prompt: "hang" });
    await waitForState(database, slow, "RUNNING");
    telegram.send(ADA_CHAT, `/cancel ${slow.slice(0, 8)}`);
    await settle(async () => (await taskRow(database, slow)).state === "CANCELLED");

    // Bob cannot cancel Ada's task from his chat.
    const other = await submit(database, ada, { prompt: "hang" });
    await waitForState(database, other, "RUNNING");
    telegram.send(BOB_CHAT, `/cancel ${other}`);
    await settle(() => telegram.sent.some((m) => m.chat_id === String(BOB_CHAT) && /not found/i.test(m.text)));
    expect((await taskRow(database, other)).state).toBe("RUNNING");
    await runtime.cancelTask(contextFor(ada), other);

    // A viewer's linked chat cannot submit.
    const vicCode = await createLinkCode(database.db, contextFor(viewer));
    telegram.send(6001, `/start ${vicCode.code}`);
    await settle(() => telegram.sent.some((m) => m.chat_id === "6001" && m.text.startsWith("Linked.")));
    telegram.send(6001, "/submit test-echo say: nope");
    await settle(() => telegram.sent.some((m) => m.chat_id === "6001" && /permission|not allowed|forbidden/i.test(m.text)));
  });

  it("the admin's default webhook applies to people without their own choice", async () => {
    const admin = await createUser(database.db, { role: "ADMIN", name: "Root" });
    const team = await startFakeWebhook();
    try {
      await updateDefaults(database.db, contextFor(admin), { webhook_url: team.url, webhook_enabled: true });
      const id = await submit(database, bob, { prompt: "bob asks", context: { steps: [{ ask: "Proceed?" }] } });
      await waitForState(database, id, "WAITING");
      await settle(() => team.received.length === 1);
      expect(String(team.received[0].text)).toContain("has a question for you");
      await runtime.cancelTask(contextFor(bob), id);
    } finally {
      await team.close();
    }
  });

  async function deliveriesOf(taskId: string) {
    return database.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.taskId, taskId));
  }
});
