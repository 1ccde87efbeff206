import { statSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "../../lib/runtime";
import { apiTokenFor, createUser, type TestUser } from "../support/auth";
import { clawlink, clawlinkInTerminal, freshConfigDir, type CliResult } from "../support/cli";
import { useTestDatabase } from "../support/db";
import { testWorker, waitForState } from "../support/engine";
import { expectMatchesResponse } from "../support/openapi-schema";
import { startRouteNode, type RouteNode } from "../support/route-node";

// Spawning the command costs a second or more on a loaded 2-core machine: generous limits.
const SLOW = 240_000;
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

const json = <T = Record<string, unknown>>(result: CliResult): T => JSON.parse(result.stdout) as T;
const jsonLines = (result: CliResult) => result.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("clawlink, spawned as a real process against a node", async () => {
  const database = await useTestDatabase();
  let node: RouteNode;
  let worker: Worker;
  let ada: TestUser;
  let adaToken: string;
  let viewerToken: string;
  let adminToken: string;
  /** Signed in as Ada through the environment (the saved-login path has its own test). */
  let asAda: Record<string, string>;

  beforeAll(async () => {
    node = await startRouteNode({ ws: database });
    worker = await testWorker(database);
    ada = await createUser(database.db, { name: "Ada" });
    adaToken = (await apiTokenFor(database.db, ada.id, { name: "laptop" })).token;
    viewerToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Vera", role: "VIEWER" })).id)).token;
    adminToken = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Root", role: "ADMIN" })).id)).token;
    asAda = { CLAWLINK_URL: node.url, CLAWLINK_TOKEN: adaToken, CLAWLINK_CONFIG_DIR: freshConfigDir() };
  });
  afterAll(async () => {
    await worker.stop();
    await node.close();
  });

  it("login reads the token from stdin, proves it, saves it owner-only; later commands use it; logout forgets it", { timeout: SLOW }, async () => {
    const env = { CLAWLINK_CONFIG_DIR: path.join(freshConfigDir(), "nested") };
    const login = await clawlink(["login", node.url], { env, input: `${adaToken}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Signed in to ${node.url} with token "laptop"`);
    expect(login.stdout + login.stderr).not.toContain(adaToken);

    const file = path.join(env.CLAWLINK_CONFIG_DIR, "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(env.CLAWLINK_CONFIG_DIR).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ url: node.url, token: adaToken });

    const tasks = await clawlink(["tasks", "--json"], { env });
    expect(tasks.code, tasks.stderr).toBe(0);
    expectMatchesResponse(json(tasks), "/api/runtime/tasks", "get");

    // A saved token is never sent to another node named by CLAWLINK_URL.
    const elsewhere = await clawlink(["tasks"], { env: { ...env, CLAWLINK_URL: `http://127.0.0.1:${await closedPort()}` } });
    expect(elsewhere.code).toBe(4);
    expect(elsewhere.stderr).toContain("No token for");

    expect((await clawlink(["logout"], { env })).code).toBe(0);
    const after = await clawlink(["tasks"], { env });
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("Not signed in");
  });

  it("login refuses a token the node rejects (4), something that is not a token (2), and an unreachable node (5)", { timeout: SLOW }, async () => {
    const env = { CLAWLINK_CONFIG_DIR: freshConfigDir() };
    const rejected = await clawlink(["login", node.url, "--json"], { env, input: "ccl_pat_not-a-real-token\n" });
    expect(rejected.code).toBe(4);
    expect(json<{ error: { code: string; message: string } }>(rejected).error.code).toBe("unauthenticated");
    const garbage = await clawlink(["login", node.url], { env, input: "hunter2\n" });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain("not a coderClawLink token");
    const unreachable = await clawlink(["login", `http://127.0.0.1:${await closedPort()}`], { env, input: `${adaToken}\n` });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/Cannot reach the node at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    for (const r of [rejected, garbage, unreachable]) expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it("submit --wait exits with the outcome: 0 completed, 1 failed; --json prints the documented state", { timeout: SLOW }, async () => {
    const done = await clawlink(["submit", "test-echo", "say:hi; result:all good", "--wait", "--json"], { env: asAda });
    expect(done.code, done.stderr).toBe(0);
    expectMatchesResponse(json(done), "/api/runtime/tasks/{id}/state", "get");
    expect(json(done)).toMatchObject({ state: "COMPLETED", success: true, result: { output: "all good" } });

    const failed = await clawlink(["submit", "test-echo", "fail:the disk is full", "--wait"], { env: asAda });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("FAILED: the disk is full");
  });

  it("follow streams output, asks the question and the approval at the terminal, and sends the answers", { timeout: SLOW }, async () => {
    const run = clawlink(["submit", "test-echo", "say:starting; ask:Which branch?; approve:push to main; result:shipped", "--follow"], { env: asAda });
    await run.waitFor(/Your answer:/);
    run.write("release-1\n");
    await run.waitFor(/Approve shell\?/);
    run.write("yes\n");
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("starting\nanswer: release-1\napproved\n");
    expect(result.stderr).toMatch(/\? Question: Which branch\?[\s\S]*\? Approval needed: push to main[\s\S]*✔ COMPLETED/);
    expect(result.stderr).toContain("shipped");

    const denied = await clawlink(["submit", "test-echo", "approve:drop the database", "--follow"], { env: asAda, input: "n\n" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Denied by");
  });

  it("at a terminal: login takes the token as hidden input, and follow asks with a prompt and a spinner", { timeout: SLOW }, async () => {
    const env = { CLAWLINK_CONFIG_DIR: freshConfigDir() };
    const login = clawlinkInTerminal(["login", node.url], { env });
    await login.waitFor(/Paste the token/);
    login.write(`${adaToken}\r`);
    const signedIn = await login;
    expect(signedIn.code, signedIn.stdout).toBe(0);
    expect(signedIn.stdout).toContain("Signed in to");
    expect(signedIn.stdout).not.toContain(adaToken);

    const follow = clawlinkInTerminal(["submit", "test-echo", "say:ready; ask:Which colour?", "--follow"], { env });
    await follow.waitFor(/Your answer/);
    follow.write("teal\r");
    const result = await follow;
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain("answer: teal");
    expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](\u001b\[\d+m)? (PENDING|PLANNING|RUNNING|WAITING) +\d+s/);
    expect(result.stdout).toContain("✔ COMPLETED");
  });

  it("follow --json prints one documented event per line, each with its task_id", { timeout: SLOW }, async () => {
    const run = await clawlink(["submit", "test-echo", "say:one; progress:halfway; say:two", "--follow", "--json"], { env: asAda });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run);
    const taskId = events[0]!.task_id;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const { task_id, ...event } of events) {
      expect(task_id).toBe(taskId);
      expectMatchesResponse({ task_id, state: "COMPLETED", events: [event], next_after: 0, events_count: 0 }, "/api/runtime/tasks/{id}/events", "get");
    }
    expect(events.at(-1)).toMatchObject({ type: "state", state: "COMPLETED" });
    expect(events.filter((e) => e.type === "output").map((e) => (e.data as { text: string }).text)).toEqual(["one\n", "two\n"]);
  });

  it("watch exits 3 when the task is cancelled", { timeout: SLOW }, async () => {
    const submitted = await clawlink(["submit", "test-echo", "say:working; hang", "--json"], { env: asAda });
    expect(submitted.code, submitted.stderr).toBe(0);
    expectMatchesResponse(json(submitted), "/api/runtime/tasks/submit", "post", 202);
    const id = json<{ task_id: string }>(submitted).task_id;
    await waitForState(database, id, "RUNNING");
    const watch = clawlink(["watch", id], { env: asAda });
    await watch.waitFor(/working/);
    const cancel = await clawlink(["cancel", id, "--json"], { env: asAda });
    expect(cancel.code, cancel.stderr).toBe(0);
    expectMatchesResponse(json(cancel), "/api/runtime/tasks/{id}/cancel", "post");
    const watched = await watch;
    expect(watched.code).toBe(3);
    expect(watched.stderr).toContain("CANCELLED");
  });

  it("live output comes over the WebSocket; a node without one is followed over SSE; CLAWLINK_LIVE=sse skips the socket", { timeout: SLOW }, async () => {
    const sockets = () => node.sockets!.stats()["/api/runtime/ws"]!.connections;
    const hanging = async () => {
      const id = json<{ task_id: string }>(await clawlink(["submit", "test-echo", "say:working; hang", "--json"], { env: asAda })).task_id;
      await waitForState(database, id, "RUNNING");
      return id;
    };
    const watchUntilCancelled = async (id: string, env: Record<string, string>, whileWatching: () => void) => {
      const watch = clawlink(["watch", id], { env });
      await watch.waitFor(/working/);
      whileWatching();
      expect((await clawlink(["cancel", id], { env: asAda })).code).toBe(0);
      const watched = await watch;
      expect(watched.code, watched.stderr).toBe(3);
      expect(watched.stderr).toContain("CANCELLED");
    };

    await watchUntilCancelled(await hanging(), asAda, () => expect(sockets()).toBe(1));
    await watchUntilCancelled(await hanging(), { ...asAda, CLAWLINK_LIVE: "sse" }, () => expect(sockets()).toBe(0));
    const plain = await startRouteNode();
    try {
      await watchUntilCancelled(await hanging(), { ...asAda, CLAWLINK_URL: plain.url }, () => expect(sockets()).toBe(0));
      const forced = await clawlink(["watch", await hanging()], { env: { ...asAda, CLAWLINK_URL: plain.url, CLAWLINK_LIVE: "ws" } });
      expect(forced.code).toBe(1);
      expect(forced.stderr).toContain("serves no WebSocket");
    } finally {
      await plain.close();
    }
  });

  it("a revoked token ends watch at once with exit 4, over the WebSocket and over SSE", { timeout: SLOW }, async () => {
    for (const live of ["ws", "sse"]) {
      const { id: tokenId, token } = await apiTokenFor(database.db, ada.id, { name: `revoked over ${live}` });
      const env = { ...asAda, CLAWLINK_TOKEN: token, CLAWLINK_LIVE: live };
      const taskId = json<{ task_id: string }>(await clawlink(["submit", "test-echo", "say:working; hang", "--json"], { env })).task_id;
      const watch = clawlink(["watch", taskId], { env });
      await watch.waitFor(/working/);
      const revoke = await fetch(`${node.url}/api/account/tokens/${tokenId}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
      expect(revoke.status).toBe(200);
      const watched = await watch;
      expect(watched.code, `${live}: ${watched.stderr}`).toBe(4);
      expect(watched.stderr, live).toMatch(/token_revoked|ended/);
      expect(watched.stderr).not.toMatch(STACK_TRACE);
      expect((await clawlink(["cancel", taskId], { env: asAda })).code).toBe(0);
    }
  });

  it("a task's own error event is output over both transports, not mistaken for the node ending the stream", { timeout: SLOW }, async () => {
    for (const live of ["ws", "sse"]) {
      const run = await clawlink(["submit", "test-echo", "say:working; fail:the disk is full", "--follow", "--json"], { env: { ...asAda, CLAWLINK_LIVE: live } });
      expect(run.code, `${live}: ${run.stderr}`).toBe(1);
      const events = jsonLines(run);
      expect(events.find((e) => e.type === "error"), live).toMatchObject({ data: { message: "the disk is full" } });
      expect(events.at(-1), live).toMatchObject({ type: "state", state: "FAILED" });
    }
  });

  it("answer, state, retry, tasks, agents, skills and sessions: --json matches the documented responses", { timeout: SLOW }, async () => {
    const id = json<{ task_id: string }>(await clawlink(["submit", "test-echo", "ask:Colour?", "--json"], { env: asAda })).task_id;
    await waitForState(database, id, "WAITING");
    const answered = await clawlink(["answer", id, "blue", "--json"], { env: asAda });
    expect(answered.code, answered.stderr).toBe(0);
    expectMatchesResponse(json(answered), "/api/runtime/tasks/{id}/input", "post");
    await waitForState(database, id, "COMPLETED");

    const state = await clawlink(["state", id, "--json"], { env: asAda });
    expectMatchesResponse(json(state), "/api/runtime/tasks/{id}/state", "get");
    expect(json(state)).toMatchObject({ task_id: id, state: "COMPLETED", result: { data: { answers: ["blue"] } } });
    const human = await clawlink(["state", id], { env: asAda });
    expect(human.stdout).toMatch(/^COMPLETED\n/);

    const retried = await clawlink(["retry", id, "--json"], { env: asAda });
    expect(retried.code, retried.stderr).toBe(0);
    expectMatchesResponse(json(retried), "/api/runtime/tasks/{id}/retry", "post", 202);
    expect(json(retried)).toMatchObject({ retry_of: id });
    const again = await clawlink(["watch", json<{ task_id: string }>(retried).task_id], { env: asAda, input: "red\n" });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("answer: red");

    const tasks = await clawlink(["tasks", "--state", "completed", "--agent", "test-echo", "--json"], { env: asAda });
    expectMatchesResponse(json(tasks), "/api/runtime/tasks", "get");
    expect(json<{ tasks: { task_id: string; state: string }[] }>(tasks).tasks.every((t) => t.state === "COMPLETED")).toBe(true);
    const table = await clawlink(["tasks"], { env: asAda });
    expect(table.stdout).toMatch(/^ID\s+STATE\s+AGENT\s+CREATED\s+PROMPT\n/);
    expect(table.stdout).toContain(id);

    for (const [args, apiPath] of [
      [["agents", "--json"], "/api/runtime/agents"],
      [["skills", "--json"], "/api/runtime/skills"],
      [["sessions", "--json"], "/api/runtime/sessions"],
    ] as const) {
      const result = await clawlink([...args], { env: asAda });
      expect(result.code, result.stderr).toBe(0);
      expectMatchesResponse(json(result), apiPath, "get");
    }
    const agents = await clawlink(["agents"], { env: asAda });
    expect(agents.stdout).toMatch(/test-echo\s+yes/);
  });

  it("usage errors exit 2, unknown objects 1, forbidden 4 — with one clear line and never a stack trace", { timeout: SLOW }, async () => {
    const viewer = { ...asAda, CLAWLINK_TOKEN: viewerToken };
    const cases: { args: string[]; env: Record<string, string>; code: number; says: RegExp }[] = [
      { args: ["submit", "test-echo"], env: asAda, code: 2, says: /missing required argument 'prompt'/ },
      { args: ["submit", "test-echo", "x", "--context", "{oops"], env: asAda, code: 2, says: /--context is not valid JSON/ },
      { args: ["submit", "test-echo", "x", "--context", "@/nonexistent/ctx.json"], env: asAda, code: 2, says: /Cannot read the context file/ },
      { args: ["submit", "no-such-agent", "x"], env: asAda, code: 2, says: /Unknown agent_type "no-such-agent"/ },
      { args: ["submit", "test-echo", "x", "--wait", "--follow"], env: asAda, code: 2, says: /--wait or --follow/ },
      { args: ["state", "not-a-uuid"], env: asAda, code: 2, says: /Not a task id/ },
      { args: ["frobnicate"], env: asAda, code: 2, says: /unknown command 'frobnicate'/ },
      { args: ["state", "00000000-0000-4000-8000-000000000000"], env: asAda, code: 1, says: /not found/i },
      { args: ["submit", "test-echo", "x"], env: viewer, code: 4, says: /Not allowed/ },
      { args: ["audit"], env: asAda, code: 4, says: /Not allowed/ },
      { args: ["tasks"], env: { ...asAda, CLAWLINK_TOKEN: "ccl_pat_revoked-or-made-up" }, code: 4, says: /clawlink login/ },
    ];
    // Three at a time: each is a process start, slow on a loaded machine.
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      const results = await Promise.all(batch.map((c) => clawlink(c.args, { env: c.env })));
      batch.forEach((c, j) => {
        expect({ args: c.args, code: results[j]!.code }).toEqual({ args: c.args, code: c.code });
        expect(results[j]!.stderr).toMatch(c.says);
        expect(results[j]!.stderr).not.toMatch(STACK_TRACE);
      });
    }
    const asJson = await clawlink(["submit", "no-such-agent", "x", "--json"], { env: asAda });
    expect(asJson.code).toBe(2);
    expectMatchesResponse(json(asJson), "/api/runtime/tasks/submit", "post", 422);
    expect(asJson.stderr).toBe("");
  });

  it("cannot reach the node: exit 5", { timeout: SLOW }, async () => {
    const result = await clawlink(["tasks", "--json"], { env: { ...asAda, CLAWLINK_URL: `http://127.0.0.1:${await closedPort()}` } });
    expect(result.code).toBe(5);
    expect(json<{ error: { code: string } }>(result).error.code).toBe("unreachable");
  });

  it("audit (table, json, csv) and verify for administrators", { timeout: SLOW }, async () => {
    const admin = { ...asAda, CLAWLINK_TOKEN: adminToken };
    const events = await clawlink(["audit", "--type", "task.submitted", "--limit", "3", "--json"], { env: admin });
    expect(events.code, events.stderr).toBe(0);
    const list = json<Record<string, unknown>[]>(events);
    expect(list).toHaveLength(3);
    expectMatchesResponse({ events: list, next_cursor: null }, "/api/audit/events", "get");
    expect(list.every((e) => e.event_type === "task.submitted")).toBe(true);

    const csv = await clawlink(["audit", "--type", "task.submitted", "--format", "csv"], { env: admin });
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split("\n");
    expect(header).toContain("event_type");
    expect(rows.length).toBeGreaterThanOrEqual(3);

    const table = await clawlink(["audit", "--limit", "5"], { env: admin });
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+EVENT\s+OUTCOME\s+ACTOR\s+RESOURCE\n/);

    const verify = await clawlink(["verify", "--json"], { env: admin });
    expect(verify.code, verify.stderr).toBe(0);
    expectMatchesResponse(json(verify), "/api/audit/verify", "get");
    expect(json(verify)).toMatchObject({ ok: true });
  });
});
