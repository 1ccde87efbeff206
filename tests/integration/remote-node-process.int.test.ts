import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokenFor, createUser } from "../support/auth";
import { clawlink, freshConfigDir, type CliRun } from "../support/cli";
import { useTestDatabase } from "../support/db";
import { POLL, waitForState } from "../support/engine";
import { startPortal, type TestPortal } from "../support/remote";

describe("a real `clawlink node` process against a portal", async () => {
  const database = await useTestDatabase();
  let portal: TestPortal;
  let adminToken: string;
  let adaToken: string;
  const processes: CliRun[] = [];

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${portal.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const startNodeProcess = (configDir: string, env: Record<string, string> = {}) => {
    const child = clawlink(["node", "--portal", portal.url, "--name", "proc-1", "--label", "box", "--concurrency", "2"], {
      env: { CLAWLINK_CONFIG_DIR: configDir, CLAWLINK_TEST_AGENT: "1", ...env },
      timeoutMs: 120_000,
    });
    processes.push(child);
    return child;
  };

  beforeAll(async () => {
    portal = await startPortal(database);
    const admin = await createUser(database.db, { name: "Admin", role: "ADMIN" });
    const ada = await createUser(database.db, { name: "Ada" });
    adminToken = (await apiTokenFor(database.db, admin.id)).token;
    adaToken = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(async () => {
    for (const child of processes) child.kill("SIGKILL");
    await portal.close();
  });

  it("enrols with a one-time token, runs a task by label, and after SIGKILL mid-task the portal fails it node_lost once the lease runs out", async () => {
    const enrolment = await api(adminToken, "POST", "/api/runtime/nodes/enrolments", { name: "proc-1" });
    const configDir = freshConfigDir();
    const node = startNodeProcess(configDir, { CLAWLINK_ENROL_TOKEN: enrolment.body.token });
    await node.waitFor(/Connected to .* as node "proc-1" .*: approved/);
    // The key pair is the node's own, owner-only.
    expect(statSync(path.join(configDir, "node-key.json")).mode & 0o777).toBe(0o600);
    await expect.poll(async () => (await api(adminToken, "GET", "/api/runtime/nodes")).body.nodes[0]?.agents.length ?? 0, POLL).toBeGreaterThan(0);

    const first = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "say:from a process", labels: ["box"] });
    expect(first.status).toBe(202);
    await waitForState(database, first.body.task_id, "COMPLETED");

    // The CLI targets nodes too.
    const viaCli = await clawlink(["submit", "test-echo", "say:via the cli", "--node", "proc-1", "--wait", "--json"], { env: { CLAWLINK_URL: portal.url, CLAWLINK_TOKEN: adaToken, CLAWLINK_CONFIG_DIR: freshConfigDir() } });
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expect(JSON.parse(viaCli.stdout)).toMatchObject({ state: "COMPLETED" });

    const doomed = await api(adaToken, "POST", "/api/runtime/tasks/submit", { agent_type: "test-echo-once", prompt: "hang", node: "proc-1" });
    await waitForState(database, doomed.body.task_id, "RUNNING");
    node.kill("SIGKILL");
    const lost = await waitForState(database, doomed.body.task_id, "FAILED");
    expect(lost.errorCode).toBe("node_lost");

    // The same key comes back as the same node (no second approval needed).
    const again = startNodeProcess(configDir);
    await again.waitFor(/Connected to .* as node "proc-1" .*: approved/);
    const listed = (await api(adminToken, "GET", "/api/runtime/nodes")).body.nodes;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: "proc-1", status: "approved", online: true, labels: ["box"] });
    again.kill("SIGTERM");
    expect((await again).code).toBe(0);
  });
});
