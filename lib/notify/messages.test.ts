import { afterEach, describe, expect, it } from "vitest";
import { resetEnv } from "../env";
import { telegramWaitingText, webhookPayload } from "./messages";
import { webhookUrlSchema } from "./settings";

afterEach(() => {
  delete process.env.APP_URL;
  delete process.env.NOTIFY_ALLOW_HTTP_WEBHOOKS;
  resetEnv();
});

describe("announcements", () => {
  it("escapes Slack markup in prompts so a prompt cannot forge a link", () => {
    process.env.APP_URL = "https://claw.example.com/";
    resetEnv();
    const body = webhookPayload({ taskId: "t-1", prompt: "fix <https://evil.example|this> & that", agentType: "claude", kind: "question", question: "Which <one>?" });
    expect(body.text).toContain("<https://claw.example.com/tasks/t-1|fix &lt;https://evil.example|this&gt; &amp; that>");
    expect(body.text).toContain("> Which &lt;one&gt;?");
  });

  it("tells Telegram readers how to answer", () => {
    expect(telegramWaitingText({ taskId: "12345678-aaaa", prompt: "p", agentType: "a", kind: "approval", question: "ok?" })).toContain("Approve or deny below.");
    expect(telegramWaitingText({ taskId: "12345678-aaaa", prompt: "p", agentType: "a", kind: "question", question: "which?" })).toContain("Reply to this message");
  });
});

describe("webhook URLs", () => {
  it("takes https, refuses http unless allowed, and refuses credentials in the URL", () => {
    expect(webhookUrlSchema.safeParse("https://hooks.slack.com/services/T/B/X").success).toBe(true);
    expect(webhookUrlSchema.safeParse("http://10.0.0.5/hook").success).toBe(false);
    expect(webhookUrlSchema.safeParse("https://user:pw@hooks.example.com/x").success).toBe(false);
    expect(webhookUrlSchema.safeParse("javascript:alert(1)").success).toBe(false);
    // Not a URL at all: a validation failure, never a throw.
    expect(webhookUrlSchema.safeParse("not a url").success).toBe(false);
    expect(webhookUrlSchema.safeParse("http://").success).toBe(false);
    process.env.NOTIFY_ALLOW_HTTP_WEBHOOKS = "1";
    expect(webhookUrlSchema.safeParse("http://10.0.0.5/hook").success).toBe(true);
  });
});
