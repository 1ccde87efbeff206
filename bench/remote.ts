import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Api } from "./api";
import { sleep } from "./stats";

export const REMOTE_PROMPT = "say: bench remote";

export interface RemoteRun {
  /** Tasks run on the remote node for the dispatch latency (read afterwards from the database). */
  tasks: number;
  failed: number;
  /** Events per second through the one node connection: a run emitting `events` output events, submit to COMPLETED. */
  eventsPerSecond: number;
  events: number;
}

/**
 * A remote node in the bench process (`clawlink node`'s client over a real socket) connected to the
 * production server: approved, then `tasks` one-line tasks placed on it, `window` unfinished at a
 * time (submit→RUNNING is read afterwards from the log, as for local dispatch), then one run that
 * streams `events` output events through the connection.
 */
export async function measureRemote(user: Api, admin: Api, options: { tasks: number; window: number; events: number }, step: (line: string) => void): Promise<RemoteRun> {
  process.env.CLAWLINK_TEST_AGENT = "1";
  const { resetEnv } = await import("../lib/env");
  resetEnv();
  const { generateNodeKeyPair } = await import("../lib/remote/keys");
  const { NodeClient } = await import("../lib/remote/node/client");
  const { AgentHost } = await import("../lib/remote/node/host");
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-node-"));
  const name = `bench-${randomBytes(3).toString("hex")}`;
  const client = new NodeClient({ portal: user.baseURL, name, labels: [], concurrency: options.window + 1, keys: generateNodeKeyPair(), host: new AgentHost({ dataDir }), version: "bench" });
  void client.start();
  try {
    const deadline = Date.now() + 30_000;
    while (!client.nodeId && Date.now() < deadline) await sleep(50);
    if (!client.nodeId) throw new Error("the remote node did not connect");
    await admin.call("POST", `/api/runtime/nodes/${client.nodeId}/approve`);
    for (;;) {
      const node = await admin.call<{ agents: { agent_type: string; available: boolean }[] }>("GET", `/api/runtime/nodes/${client.nodeId}`);
      if (node.agents.some((a) => a.agent_type === "test-echo" && a.available)) break;
      if (Date.now() > deadline) throw new Error("the remote node did not advertise test-echo");
      await sleep(50);
    }
    step(`remote: node ${name} connected and approved; ${options.tasks} tasks, ${options.window} unfinished at a time …`);
    let next = 0;
    let failed = 0;
    const slot = async () => {
      while (next < options.tasks) {
        const i = next++;
        try {
          const { task_id } = await user.call<{ task_id: string }>("POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: `${REMOTE_PROMPT} ${i}`, node: name });
          await user.follow(task_id, 60_000);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: options.window }, slot));
    step(`remote: ${options.events} events through the node's connection …`);
    const started = performance.now();
    const { task_id } = await user.call<{ task_id: string }>("POST", "/api/runtime/tasks/submit", {
      agent_type: "test-echo",
      prompt: "bench remote events",
      context: { steps: [{ chunks: options.events, text: "e" }] },
      node: name,
    });
    await user.follow(task_id, 300_000);
    const eventsPerSecond = options.events / ((performance.now() - started) / 1000);
    return { tasks: options.tasks - failed, failed, eventsPerSecond, events: options.events };
  } finally {
    await client.stop(1_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
