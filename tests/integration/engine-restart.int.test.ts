import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "../../lib/runtime";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { FAST, POLL, eventsOf, submit, taskRow, testWorker, waitForState } from "../support/engine";
import { routeHandlers } from "../support/api";

const { POST: answerTask } = routeHandlers("/api/runtime/tasks/{id}/input");

const LEASE_MS = FAST.leaseMs!;

/** A worker in another process (Postgres), started with `npm run worker`'s script and fast timings. */
async function spawnWorker(url: string, nodeId: string): Promise<ChildProcess> {
  const child = spawn(
    path.resolve("node_modules/.bin/tsx"),
    ["scripts/worker.ts", "--node-id", nodeId, "--concurrency", "1", "--lease-ms", String(LEASE_MS), "--heartbeat-ms", "250", "--sweep-ms", "250", "--poll-ms", "500"],
    {
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: mkdtempSync(path.join(tmpdir(), "clawlink-worker-")) },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: tsx runs node as a grandchild, and SIGKILL must reach both.
      detached: true,
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("claiming up to")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
  });
  return child;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

describe("engine: recovery after the runtime dies mid-task", async () => {
  const database = await useTestDatabase();
  let ada: TestUser;
  let child: ChildProcess | undefined;
  let first: Worker | undefined;
  let second: Worker | undefined;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
  });
  afterAll(async () => {
    if (child) killGroup(child);
    await first?.engine.halt();
    await second?.stop();
  });

  it("PENDING tasks run, the lost RUNNING task fails node_lost within the lease, a WAITING task can still be answered", async () => {
    // The first runtime: a separate process on Postgres; on in-process PGlite an engine we halt abruptly.
    if (database.url) child = await spawnWorker(database.url, "doomed-node");
    else first = await testWorker(database, { nodeId: "doomed-node", concurrency: 1 });

    // The question frees the node's one slot while it waits; the hanging task then takes it.
    const waiting = await submit(database, ada, { prompt: "ask:Proceed?; say:finished" });
    await waitForState(database, waiting, "WAITING");
    const running = await submit(database, ada, { agent_type: "test-echo-once", prompt: "say:started; hang" });
    await waitForState(database, running, "RUNNING");
    expect((await taskRow(database, running)).claimedBy).toBe("doomed-node");
    // The doomed node's only slot is busy, so these stay queued.
    const pending = [await submit(database, ada, { prompt: "queued one" }), await submit(database, ada, { prompt: "queued two" })];
    expect((await taskRow(database, pending[0])).state).toBe("PENDING");

    const killedAt = Date.now();
    if (child) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      killGroup(child);
      await exited;
    } else {
      await first!.engine.halt();
    }

    second = await testWorker(database, { nodeId: "survivor" });
    for (const id of pending) expect((await waitForState(database, id, "COMPLETED")).claimedBy).toBe("survivor");

    const lost = await waitForState(database, running, "FAILED");
    expect(lost.errorCode).toBe("node_lost");
    expect(lost.error).toContain("doomed-node");
    // Detected within the lease (plus a sweep interval and slack for a loaded 2-core machine).
    expect(lost.finishedAt!.getTime() - killedAt).toBeLessThan(LEASE_MS + 6_000);
    expect(lost.attempt).toBe(1);

    // The question survived: its worker is gone, but an answer still completes the task.
    await expect.poll(async () => (await taskRow(database, waiting)).claimedBy, POLL).toBeNull();
    expect((await taskRow(database, waiting)).state).toBe("WAITING");
    const res = await answerTask(
      await browserRequest(ada.id, `/api/runtime/tasks/${waiting}/input`, { method: "POST", body: JSON.stringify({ answer: "yes" }) }),
      routeParams({ id: waiting }),
    );
    expect(res.status).toBe(200);
    const done = await waitForState(database, waiting, "COMPLETED");
    expect(done).toMatchObject({ claimedBy: "survivor", attempt: 2 });
    expect(done.result).toMatchObject({ output: "echo: ask:Proceed?; say:finished", data: { answers: ["yes"] } });
    const log = await eventsOf(database, waiting);
    expect(log.some((e) => e.type === "progress" && e.data.resumed === true)).toBe(true);
    expect(log.filter((e) => e.type === "output").map((e) => e.data.text).join("")).toBe("answer: yes\nfinished\n");
  }, 120_000);
});
