import { env } from "../env";

/** The portal's base URL for links in messages: APP_URL, else this node's HOST:PORT. */
export function portalUrl(): string {
  const e = env();
  return (e.APP_URL ?? `http://${e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/$/, "");
}

export const taskUrl = (taskId: string) => `${portalUrl()}/tasks/${taskId}`;

export interface WaitingAnnouncement {
  taskId: string;
  prompt: string;
  agentType: string;
  kind: "approval" | "question";
  question: string;
  tool?: { name: string; input?: unknown };
  options?: string[];
}

const firstLine = (text: string, max = 120) => {
  const line = text.split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Slack's mrkdwn treats &, < and > as markup. */
const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A Slack-compatible incoming-webhook body (`text` for every receiver that reads only that,
 * `blocks` for Slack), with a link to the task. Mattermost, Rocket.Chat and Discord's /slack
 * endpoint read the same shape.
 */
export function webhookPayload(a: WaitingAnnouncement) {
  const url = taskUrl(a.taskId);
  const what = a.kind === "approval" ? "asks for your approval" : "has a question for you";
  const tool = a.tool ? `\nTool: \`${slackEscape(a.tool.name)}\`` : "";
  const text = `A task ${what}: <${url}|${slackEscape(firstLine(a.prompt))}>\n> ${slackEscape(firstLine(a.question, 500))}${tool}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: a.kind === "approval" ? "Review and approve" : "Answer" }, url }] },
    ],
    // Not part of Slack's format; handy for receivers that automate on it.
    task: { id: a.taskId, url, agent_type: a.agentType, kind: a.kind },
  };
}

/** Plain text for Telegram (no parse mode, so nothing in a prompt can break the markup). */
export function telegramWaitingText(a: WaitingAnnouncement): string {
  const lines = [
    a.kind === "approval" ? "⏸ A task asks for your approval" : "❓ A task has a question for you",
    `Task ${a.taskId.slice(0, 8)} (${a.agentType}): ${firstLine(a.prompt)}`,
    "",
    a.question.length > 1500 ? `${a.question.slice(0, 1500)}…` : a.question,
  ];
  if (a.tool) lines.push("", `Tool: ${a.tool.name}${a.tool.input !== undefined ? ` ${JSON.stringify(a.tool.input).slice(0, 500)}` : ""}`);
  lines.push("", a.kind === "approval" ? "Approve or deny below." : "Reply to this message to answer.", taskUrl(a.taskId));
  return lines.join("\n");
}

export function telegramFinishedText(t: { taskId: string; state: string; prompt: string; error: string | null; output: string | null }): string {
  const icon = t.state === "COMPLETED" ? "✅" : t.state === "CANCELLED" ? "⏹" : "❌";
  const lines = [`${icon} Task ${t.taskId.slice(0, 8)} ${t.state}: ${firstLine(t.prompt)}`];
  if (t.error) lines.push(t.error.slice(0, 1000));
  else if (t.output) lines.push(t.output.slice(0, 1500));
  lines.push(taskUrl(t.taskId));
  return lines.join("\n");
}
