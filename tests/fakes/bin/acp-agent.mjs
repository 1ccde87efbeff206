#!/usr/bin/env node
// A stand-in ACP agent (protocols/auggie.md §3) built on the official SDK's agent side, so the
// wire format is the real one. `[scenario:x]` in the prompt picks:
//   success (default) — streamed text, a plan, an edit through fs/write_text_file with a diff
//   permission        — asks session/request_permission; allowed → runs `echo` in a client terminal
//   cancel-wait       — asks permission, starts a setsid grandchild, waits; session/cancel → stopReason cancelled
//   crash             — exits 3 mid-turn with a message on stderr
//   hang              — never answers the prompt and ignores session/cancel
//   error             — the prompt fails with a JSON-RPC internal error
//   refusal           — stopReason refusal
//   escape            — tries to read /etc/passwd and write ../outside.txt through the client
//   echo-size         — answers with the prompt's length in bytes
// FAKE_ACP_AUTH=1 makes session/new answer "auth required"; `--version` prints a version.
import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { agent, ndJsonStream, PROTOCOL_VERSION, RequestError } from "@agentclientprotocol/sdk";

if (process.argv[2] === "--version") {
  console.log("fake-acp 1.0.0");
  process.exit(0);
}

const log = { argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), pid: process.pid, calls: [] };
function record() {
  const file = path.join(process.cwd(), ".fake-acp.json");
  writeFileSync(`${file}.tmp`, JSON.stringify(log, null, 2));
  renameSync(`${file}.tmp`, file);
}

const cancelled = new Set();
const waiters = new Map();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const app = agent({ name: "fake-acp" })
  .onRequest("initialize", ({ params }) => {
    log.calls.push({ method: "initialize", params });
    record();
    return { protocolVersion: PROTOCOL_VERSION, agentCapabilities: { loadSession: true, promptCapabilities: {} }, agentInfo: { name: "fake-acp", version: "1.0.0" }, authMethods: [] };
  })
  .onRequest("session/new", ({ params }) => {
    log.calls.push({ method: "session/new", params });
    record();
    if (process.env.FAKE_ACP_AUTH === "1") throw RequestError.authRequired(undefined, "Run `fake login` first");
    return { sessionId: `sess-${process.pid}` };
  })
  .onRequest("session/load", ({ params }) => {
    log.calls.push({ method: "session/load", params });
    record();
    return {};
  })
  .onNotification("session/cancel", ({ params }) => {
    log.calls.push({ method: "session/cancel", params });
    record();
    cancelled.add(params.sessionId);
    waiters.get(params.sessionId)?.();
  })
  .onRequest("session/prompt", async ({ params, client }) => {
    const text = params.prompt.map((b) => b.text ?? "").join("");
    log.calls.push({ method: "session/prompt", params: { sessionId: params.sessionId, bytes: Buffer.byteLength(text) } });
    record();
    const sessionId = params.sessionId;
    const update = (u) => client.notify("session/update", { sessionId, update: u });
    const say = (t) => update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: t } });
    const scenario = /\[scenario:([a-z-]+)\]/.exec(text)?.[1] ?? "success";
    switch (scenario) {
      case "permission":
      case "cancel-wait": {
        await update({ sessionUpdate: "tool_call", toolCallId: "tc_1", title: "Run echo hello", kind: "execute", status: "pending", rawInput: { command: "echo hello" } });
        if (scenario === "cancel-wait") {
          const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
          child.unref();
          writeFileSync(path.join(process.cwd(), ".fake-acp-pids.json"), JSON.stringify({ pid: process.pid, grandchild: child.pid }));
        }
        const answer = await client.request("session/request_permission", {
          sessionId,
          toolCall: { toolCallId: "tc_1", title: "Run echo hello", kind: "execute", rawInput: { command: "echo hello" } },
          options: [
            { optionId: "allow_once", name: "Allow", kind: "allow_once" },
            { optionId: "allow_always", name: "Always allow", kind: "allow_always" },
            { optionId: "reject_once", name: "Deny", kind: "reject_once" },
            { optionId: "reject_always", name: "Never allow", kind: "reject_always" },
          ],
        });
        log.calls.push({ method: "permission-answer", outcome: answer.outcome });
        record();
        if (answer.outcome.outcome === "cancelled" || cancelled.has(sessionId)) return { stopReason: "cancelled" };
        if (!answer.outcome.optionId.startsWith("allow")) {
          await update({ sessionUpdate: "tool_call_update", toolCallId: "tc_1", status: "failed", content: [{ type: "content", content: { type: "text", text: "rejected by the user" } }] });
          await say(`rejected: ${answer.outcome.optionId}`);
          return { stopReason: "end_turn" };
        }
        const terminal = await client.createTerminal({ sessionId, command: "sh", args: ["-c", "echo hello; pwd"], cwd: process.cwd() });
        const exit = await terminal.waitForExit();
        const { output } = await terminal.currentOutput();
        await terminal.release();
        await update({ sessionUpdate: "tool_call_update", toolCallId: "tc_1", status: "completed", content: [{ type: "content", content: { type: "text", text: output } }] });
        await say(`allowed: ${answer.outcome.optionId}, exit ${exit.exitCode}, output ${output.trim().split("\n").join(" | ")}`);
        return { stopReason: "end_turn" };
      }
      case "crash":
        await say("Working on it");
        process.stderr.write("panic: model provider connection reset\n");
        setTimeout(() => process.exit(3), 20);
        return new Promise(() => {});
      case "hang":
        await say("Thinking...");
        setInterval(() => {}, 1000);
        return new Promise(() => {});
      case "error":
        throw RequestError.internalError({ details: "upstream 503" }, "model overloaded");
      case "refusal":
        await say("I won't do that.");
        return { stopReason: "refusal" };
      case "escape": {
        const results = [];
        for (const attempt of [
          () => client.request("fs/read_text_file", { sessionId, path: "/etc/passwd" }),
          () => client.request("fs/write_text_file", { sessionId, path: path.join(process.cwd(), "..", "outside.txt"), content: "x" }),
          () => client.createTerminal({ sessionId, command: "pwd", cwd: "/" }),
        ]) {
          try {
            await attempt();
            results.push("allowed");
          } catch (error) {
            results.push(`refused: ${error.message}`);
          }
        }
        await say(results.join("\n"));
        return { stopReason: "end_turn" };
      }
      case "echo-size":
        await say(`received ${Buffer.byteLength(text)} bytes`);
        return { stopReason: "end_turn" };
      default: {
        await say("Renaming ");
        await say("the helper.");
        await update({ sessionUpdate: "plan", entries: [{ content: "Write notes", priority: "medium", status: "in_progress" }] });
        const file = path.join(process.cwd(), "notes", "todo.md");
        await update({ sessionUpdate: "tool_call", toolCallId: "tc_w", title: "Write notes/todo.md", kind: "edit", status: "in_progress", locations: [{ path: file }] });
        await client.request("fs/write_text_file", { sessionId, path: file, content: "- ship it\n" });
        const back = await client.request("fs/read_text_file", { sessionId, path: file });
        await update({ sessionUpdate: "tool_call_update", toolCallId: "tc_w", status: "completed", content: [{ type: "diff", path: file, oldText: null, newText: back.content }] });
        await sleep(5);
        return { stopReason: "end_turn" };
      }
    }
  });

app.connect(ndJsonStream(Writable.toWeb(process.stdout), Readable.toWeb(process.stdin)));
