import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../../lib/board/projects";
import { resetEnv } from "../../lib/env";
import type { Worker } from "../../lib/runtime";
import { updateRepositorySettings } from "../../lib/workspaces/repository-settings";
import { apiTokenFor, createUser } from "../support/auth";
import { clawlink, freshConfigDir } from "../support/cli";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, testWorker, waitForState } from "../support/engine";
import { gitIn, seedRepository } from "../support/git-repos";
import { startRouteNode, type RouteNode } from "../support/route-node";
import { startFakeGithub, type FakeGithub } from "../fakes/github-server";

const SLOW = 240_000;

describe("clawlink diff and clawlink pr", async () => {
  const database = await useTestDatabase();
  let node: RouteNode;
  let worker: Worker;
  let github: FakeGithub;
  let env: Record<string, string>;
  let taskId: string;
  let repo: ReturnType<typeof seedRepository>;
  const saved = { DATA_DIR: process.env.DATA_DIR, GITHUB_API_URL: process.env.GITHUB_API_URL };

  beforeAll(async () => {
    github = await startFakeGithub();
    process.env.DATA_DIR = await mkdtemp(path.join(tmpdir(), "clawlink-data-"));
    process.env.GITHUB_API_URL = github.url;
    resetEnv();
    node = await startRouteNode();
    worker = await testWorker(database);
    const root = await createUser(database.db, { role: "ADMIN", name: "Root" });
    const ada = await createUser(database.db, { name: "Ada" });
    repo = seedRepository();
    const project = await createProject(database.db, { ctx: contextFor(root), input: { key: "CLI", name: "Cli", local_path: repo.checkout, github_url: "https://github.com/octo/demo" } });
    await updateRepositorySettings(database.db, contextFor(root), project.id, { credential: { type: "token", token: "ghp_valid" } });
    taskId = await submit(database, ada, { prompt: "write:docs/hello.md=# Hello\\nfrom the agent", project_id: project.id });
    env = { CLAWLINK_URL: node.url, CLAWLINK_TOKEN: (await apiTokenFor(database.db, ada.id)).token, CLAWLINK_CONFIG_DIR: freshConfigDir() };
  });
  afterAll(async () => {
    await worker?.stop();
    await node?.close();
    await github?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnv();
  });

  it("prints the files, counts and the unified diff", { timeout: SLOW }, async () => {
    await waitForState(database, taskId, "COMPLETED");
    const diff = await clawlink(["diff", taskId], { env });
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain(`branch clawlink/${taskId.slice(0, 8)} from main`);
    expect(diff.stdout).toMatch(/added\s+docs\/hello\.md\s+2\s+0/);
    expect(diff.stdout).toContain("1 file(s), +2 -0");
    expect(diff.stdout).toContain("+# Hello");
    const stat = await clawlink(["diff", taskId, "--stat"], { env });
    expect(stat.stdout).not.toContain("+# Hello");
    const asJson = await clawlink(["diff", taskId, "--json"], { env });
    expect(JSON.parse(asJson.stdout)).toMatchObject({ task_id: taskId, stats: { files: 1, additions: 2 } });
  });

  it("opens the pull request and says where", { timeout: SLOW }, async () => {
    const pr = await clawlink(["pr", taskId, "--title", "Docs: hello"], { env });
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toContain(`Opened pull request #1: https://github.example/octo/demo/pull/1 (clawlink/${taskId.slice(0, 8)} → main)`);
    expect(gitIn(repo.bare, ["log", "-1", "--format=%s", `clawlink/${taskId.slice(0, 8)}`]).trim()).toBe("Docs: hello");
    const again = await clawlink(["pr", taskId], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("A pull request is already open for this task");
  });
});
