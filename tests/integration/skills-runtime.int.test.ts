import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeAgent } from "../../lib/agents/claude";
import { registerAgent, unregisterAgent } from "../../lib/agents/registry";
import type { AgentAdapter, SkillForAgent } from "../../lib/agents/types";
import { accessPolicies, executions } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import type { Worker } from "../../lib/runtime";
import { installSkillFromArchive, setSkillEnabled, shippedSkillsDir, syncSkillsDirectory } from "../../lib/skills";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-server";
import { makeZip, skillMd } from "../fixtures/skills/archives";
import { browserRequest, createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, testWorker, waitForState } from "../support/engine";
import { routeHandlers } from "../support/api";

const { POST: submitTask } = routeHandlers("/api/runtime/tasks/submit");

const dataDir = mkdtempSync(path.join(tmpdir(), "skills-runtime-"));
process.env.DATA_DIR = dataDir;
resetEnv();

/** A CLI-style stand-in: reads a file shipped with each skill from the folder it is given. */
const seen: SkillForAgent[][] = [];
const fileReader: AgentAdapter = {
  type: "skills-file-reader",
  displayName: "Skill file reader (test)",
  description: "Reads reference/notes.md from every skill it is given",
  backend: "test",
  probe: async () => ({ available: true }),
  run: async ({ skills }) => {
    seen.push(skills);
    return { output: skills.map((s) => `${s.name}: ${readFileSync(path.join(s.path, "reference/notes.md"), "utf8").trim()}`).join("\n") };
  },
};

describe("skills in tasks", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let fake: FakeAnthropic;
  let worker: Worker;
  let ada: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    registerAgent(claudeAgent);
    registerAgent(fileReader);
    await syncSkillsDirectory(db, shippedSkillsDir());
    ada = await createUser(db, { role: "DEVELOPER", name: "Ada" });
    admin = await createUser(db, { role: "ADMIN", name: "Root" });
    worker = await testWorker(database, {
      deps: {
        loadSettings: async (_db, type) =>
          type === "claude" ? { apiKey: "sk-ant-api-test", baseUrl: fake.url, model: "claude-test", maxTokens: 256, maxRetries: 0 } : {},
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
    unregisterAgent(claudeAgent.type);
    unregisterAgent(fileReader.type);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submitAs = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await submitTask(await browserRequest(user.id, "/api/runtime/tasks/submit", { method: "POST", body: JSON.stringify(body) }));
    return { status: res.status, body: (await res.json()) as { task_id: string; error?: { code: string; message: string; details?: unknown } } };
  };

  it("passes a named skill's instructions to an API agent in its system prompt", async () => {
    const submitted = await submitAs(ada, { agent_type: "claude", prompt: "Review the change on this branch", skills: ["code-review"] });
    expect(submitted.status).toBe(202);
    const done = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(done.result).toMatchObject({ output: "Hello from the fake model." });

    const request = fake.requests.find((r) => r.path === "/v1/messages" && JSON.stringify(r.body?.messages).includes("Review the change on this branch"));
    const system = JSON.stringify(request?.body?.system);
    const instructions = readFileSync(path.join(shippedSkillsDir(), "code-review/SKILL.md"), "utf8");
    expect(instructions).toContain("Severity levels:");
    expect(system).toContain("Severity levels:");
    expect(system).toContain("# Code review");
    expect(system).not.toContain("# Write tests");
  });

  it("gives CLI-style agents the installed skill's folder with its files", async () => {
    await installSkillFromArchive(db, contextFor({ id: admin.id, email: admin.email, role: "ADMIN" }), makeZip([
      { name: "house-rules/SKILL.md", data: skillMd("house-rules") },
      { name: "house-rules/reference/notes.md", data: "Tabs, not spaces.\n" },
    ]));
    const submitted = await submitAs(ada, { agent_type: "skills-file-reader", prompt: "Apply the house rules", skills: ["house-rules"] });
    expect(submitted.status).toBe(202);
    const done = await waitForState(database, submitted.body.task_id, "COMPLETED");
    expect(done.result).toMatchObject({ output: "house-rules: Tabs, not spaces." });
    expect(seen.at(-1)?.[0]).toMatchObject({ name: "house-rules", path: path.join(dataDir, "skills", "house-rules") });
  });

  it("refuses at submit a skill a policy denies (403), a disabled one and an unknown one (422); nothing is queued", async () => {
    await db.insert(accessPolicies).values({ kind: "skill", target: "write-tests", subjectType: "user", subjectUserId: ada.id, effect: "deny" });
    const denied = await submitAs(ada, { agent_type: "claude", prompt: "denied-by-policy", skills: ["write-tests"] });
    expect(denied.status).toBe(403);
    expect(denied.body.error?.message).toMatch(/skill "write-tests"/);

    const adminCtx = contextFor({ id: admin.id, email: admin.email, role: "ADMIN" });
    await setSkillEnabled(db, adminCtx, "explain-repository", false);
    const disabled = await submitAs(ada, { agent_type: "claude", prompt: "disabled-skill", skills: ["explain-repository", "no-such-skill"] });
    expect(disabled.status).toBe(422);
    expect(disabled.body.error?.details).toMatchObject({ unknown: ["no-such-skill"], disabled: ["explain-repository"] });

    for (const prompt of ["denied-by-policy", "disabled-skill"]) {
      expect(await db.select().from(executions).where(eq(executions.prompt, prompt))).toHaveLength(0);
    }
  });
});
