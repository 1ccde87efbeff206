import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessPolicies, auditEvents, skills, type Role } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import { isAppError } from "../../lib/errors";
import type { AuthContext } from "../../lib/security/context";
import { permissionsFor } from "../../lib/security/permissions";
import { assertPolicies } from "../../lib/security/policies";
import { installSkillFromArchive, loadSkillsForTask, shippedSkillsDir, syncSkillsDirectory, tidyInstalledSkills } from "../../lib/skills";
import { makeZip, skillMd } from "../fixtures/skills/archives";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { DELETE, GET: getOne, PATCH } = routeHandlers("/api/runtime/skills/{name}");
const { GET: list } = routeHandlers("/api/runtime/skills");

const dataDir = mkdtempSync(path.join(tmpdir(), "skills-catalogue-"));
process.env.DATA_DIR = dataDir;
resetEnv();

const BUNDLED = ["code-review", "explain-repository", "write-tests"];

function contextFor(user: TestUser, role: Role): AuthContext {
  return { user: { id: user.id, email: user.email, name: null, role }, via: "browser", permissions: permissionsFor(role), ip: null, userAgent: null, requestId: "test" };
}

describe("skills catalogue", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  let admin: TestUser;
  let developer: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    admin = await createUser(db, { role: "ADMIN", name: "Ada" });
    developer = await createUser(db, { role: "DEVELOPER", name: "Bob" });
    viewer = await createUser(db, { role: "VIEWER", name: "Vic" });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const listAs = async (user: TestUser) => {
    const res = await list(await browserRequest(user.id, "/api/runtime/skills"));
    expect(res.status).toBe(200);
    return ((await res.json()) as { skills: Record<string, unknown>[] }).skills;
  };
  const patch = async (user: TestUser, name: string, body: unknown) =>
    PATCH(await browserRequest(user.id, `/api/runtime/skills/${name}`, { method: "PATCH", body: JSON.stringify(body) }), routeParams({ name }));
  const del = async (user: TestUser, name: string) =>
    DELETE(await browserRequest(user.id, `/api/runtime/skills/${name}`, { method: "DELETE" }), routeParams({ name }));
  const detail = async (user: TestUser, name: string) => getOne(await browserRequest(user.id, `/api/runtime/skills/${name}`), routeParams({ name }));

  it("syncs the bundled skills at start-up and lists them, snake_case, to any signed-in role", async () => {
    const report = await syncSkillsDirectory(db, shippedSkillsDir());
    expect(report).toMatchObject({ source: "bundled", added: BUNDLED, updated: [], removed: [], skipped: [] });

    const listed = await listAs(viewer);
    expect(listed.map((s) => s.name)).toEqual(BUNDLED);
    for (const skill of listed) {
      expect(Object.keys(skill).sort()).toEqual(
        ["allowed_tools", "description", "enabled", "file_count", "installed_at", "name", "size_bytes", "source", "updated_at", "usable", "version"].sort(),
      );
      expect(skill).toMatchObject({ source: "bundled", enabled: true, version: "1.0.0", file_count: 1, usable: false });
    }
    // Viewers may list but not execute skills; developers may.
    expect((await listAs(developer)).every((s) => s.usable === true)).toBe(true);
  });

  it("is idempotent: a second sync changes nothing and audits nothing", async () => {
    const before = await db.select().from(auditEvents);
    const report = await syncSkillsDirectory(db, shippedSkillsDir());
    expect(report).toMatchObject({ added: [], updated: [], removed: [], unchanged: BUNDLED });
    expect(await db.select().from(auditEvents)).toHaveLength(before.length);
  });

  it("returns a skill's instructions and files in its details", async () => {
    const res = await detail(developer, "code-review");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ name: "code-review", license: "Apache-2.0", files: [{ path: "SKILL.md" }] });
    expect(body.instructions).toMatch(/^# Code review/);
    expect(body.allowed_tools).toContain("Bash(git diff:*)");
    expect(body.problem).toBeUndefined();
    expect((await detail(developer, "no-such-skill")).status).toBe(404);
    expect((await detail(developer, "Not_A_Name")).status).toBe(400);
  });

  it("syncs a configured directory: updates changed skills by checksum, keeps the enabled flag, skips invalid ones, removes vanished ones", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "skills-dir-"));
    try {
      mkdirSync(path.join(dir, "team-style"));
      writeFileSync(path.join(dir, "team-style/SKILL.md"), skillMd("team-style"));
      mkdirSync(path.join(dir, "broken"));
      writeFileSync(path.join(dir, "broken/SKILL.md"), "no front matter");
      symlinkSync(path.join(shippedSkillsDir(), "code-review"), path.join(dir, "linked"));
      const first = await syncSkillsDirectory(db, dir);
      expect(first).toMatchObject({ source: "directory", added: ["team-style"], removed: [] });
      expect([...first.skipped].sort((a, b) => a.folder.localeCompare(b.folder))).toEqual([
        { folder: "broken", reason: expect.stringMatching(/front matter/) },
        { folder: "linked", reason: expect.stringMatching(/symbolic links/) },
      ]);

      expect((await patch(admin, "team-style", { enabled: false })).status).toBe(200);
      writeFileSync(path.join(dir, "team-style/SKILL.md"), skillMd("team-style", { body: "Updated instructions." }));
      const second = await syncSkillsDirectory(db, dir);
      expect(second.updated).toEqual(["team-style"]);
      const [row] = await db.select().from(skills).where(eq(skills.name, "team-style"));
      expect(row).toMatchObject({ instructions: "Updated instructions.", enabled: false, source: "directory" });

      rmSync(path.join(dir, "team-style"), { recursive: true });
      expect((await syncSkillsDirectory(db, dir)).removed).toEqual(["team-style"]);
      expect(await db.select().from(skills).where(eq(skills.name, "team-style"))).toHaveLength(0);
      // The bundled skills live elsewhere and are untouched.
      expect((await listAs(admin)).map((s) => s.name)).toEqual(BUNDLED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lets an installed skill keep its name against a directory skill of the same name", async () => {
    await installSkillFromArchive(db, contextFor(admin, "ADMIN"), makeZip([{ name: "shadowed/SKILL.md", data: skillMd("shadowed") }]));
    const dir = mkdtempSync(path.join(tmpdir(), "skills-dir-"));
    try {
      mkdirSync(path.join(dir, "shadowed"));
      writeFileSync(path.join(dir, "shadowed/SKILL.md"), skillMd("shadowed", { body: "directory copy" }));
      const report = await syncSkillsDirectory(db, dir);
      expect(report.skipped).toEqual([{ folder: "shadowed", reason: expect.stringMatching(/installed skill/) }]);
      const [row] = await db.select().from(skills).where(eq(skills.name, "shadowed"));
      expect(row.source).toBe("upload");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("disables and re-enables a skill (admin only): hidden from others while disabled, audited", async () => {
    expect((await patch(developer, "write-tests", { enabled: false })).status).toBe(403);
    expect((await patch(admin, "write-tests", { enabled: "no" })).status).toBe(422);
    expect((await patch(admin, "missing-skill", { enabled: false })).status).toBe(404);

    const off = await patch(admin, "write-tests", { enabled: false });
    expect(off.status).toBe(200);
    const offBody = await off.json();
    expect(offBody).toMatchObject({ name: "write-tests", enabled: false, usable: false });
    expect(offBody.instructions).toMatch(/^# Write tests/);

    expect((await listAs(developer)).map((s) => s.name)).not.toContain("write-tests");
    expect((await listAs(admin)).find((s) => s.name === "write-tests")).toMatchObject({ enabled: false });
    expect((await detail(developer, "write-tests")).status).toBe(404);
    expect((await detail(admin, "write-tests")).status).toBe(200);

    expect((await patch(admin, "write-tests", { enabled: true })).status).toBe(200);
    expect((await listAs(developer)).map((s) => s.name)).toContain("write-tests");
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "skill.modified"), eq(auditEvents.resourceId, "write-tests")));
    expect(audits.map((a) => a.details)).toEqual([
      { enabled: false, previous_enabled: true },
      { enabled: true, previous_enabled: false },
    ]);
  });

  it("deletes an installed skill with its folder; bundled ones can only be disabled", async () => {
    await installSkillFromArchive(db, contextFor(admin, "ADMIN"), makeZip([{ name: "temp-skill/SKILL.md", data: skillMd("temp-skill") }]));
    const folder = path.join(dataDir, "skills", "temp-skill");
    expect(existsSync(folder)).toBe(true);

    expect((await del(developer, "temp-skill")).status).toBe(403);
    const res = await del(admin, "temp-skill");
    expect(res.status).toBe(204);
    expect(existsSync(folder)).toBe(false);
    expect(await db.select().from(skills).where(eq(skills.name, "temp-skill"))).toHaveLength(0);
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "skill.deleted"), eq(auditEvents.resourceId, "temp-skill")));
    expect(audit).toMatchObject({ actorUserId: admin.id, outcome: "success" });
    expect((await del(admin, "temp-skill")).status).toBe(404);

    const bundled = await del(admin, "code-review");
    expect(bundled.status).toBe(409);
    expect(existsSync(path.join(shippedSkillsDir(), "code-review", "SKILL.md"))).toBe(true);
  });

  it("marks skills a policy denies as not usable, and assertPolicies refuses them at submit", async () => {
    await db.insert(accessPolicies).values({ kind: "skill", target: "explain-repository", subjectType: "role", subjectRole: "DEVELOPER", effect: "deny" });
    try {
      const forDev = await listAs(developer);
      expect(forDev.find((s) => s.name === "explain-repository")).toMatchObject({ usable: false });
      expect(forDev.find((s) => s.name === "code-review")).toMatchObject({ usable: true });
      expect((await listAs(admin)).find((s) => s.name === "explain-repository")).toMatchObject({ usable: true });

      const error = await assertPolicies(db, contextFor(developer, "DEVELOPER"), { agentType: "claude", skills: ["code-review", "explain-repository"] }).catch((e) => e);
      expect(isAppError(error) && error.status).toBe(403);
      await expect(assertPolicies(db, contextFor(admin, "ADMIN"), { agentType: "claude", skills: ["explain-repository"] })).resolves.toBeUndefined();
    } finally {
      await db.delete(accessPolicies).where(eq(accessPolicies.target, "explain-repository"));
    }
  });

  it("loads skills for a task with their instructions, in the order named", async () => {
    const loaded = await loadSkillsForTask(db, ["write-tests", "code-review", "write-tests"]);
    expect(loaded.map((s) => s.name)).toEqual(["write-tests", "code-review"]);
    expect(loaded[1]).toMatchObject({ path: path.join(shippedSkillsDir(), "code-review"), allowedTools: expect.arrayContaining(["Read", "Grep"]) });
    expect(loaded[1].instructions).toContain("## 4. Report");
    expect(await loadSkillsForTask(db, [])).toEqual([]);
  });

  it("refuses unknown or disabled skills for a task with a 422 naming them all", async () => {
    await patch(admin, "explain-repository", { enabled: false });
    try {
      const error = await loadSkillsForTask(db, ["code-review", "nope-one", "explain-repository", "nope-two"]).catch((e) => e);
      expect(isAppError(error)).toBe(true);
      expect(error).toMatchObject({ code: "validation_failed", details: { unknown: ["nope-one", "nope-two"], disabled: ["explain-repository"] } });
      expect(error.message).toMatch(/unknown: nope-one, nope-two; disabled: explain-repository/);
    } finally {
      await patch(admin, "explain-repository", { enabled: true });
    }
  });

  it("repairs what an interrupted install or delete left behind, leaving recent scratch alone", async () => {
    const root = path.join(dataDir, "skills");
    await installSkillFromArchive(db, contextFor(admin, "ADMIN"), makeZip([{ name: "crash-skill/SKILL.md", data: skillMd("crash-skill") }]));
    const longAgo = new Date(Date.now() - 60 * 60 * 1000);
    const age = (p: string) => utimesSync(p, longAgo, longAgo);
    // A crash after moving the folder aside, before the database committed.
    mkdirSync(path.join(root, ".trash"), { recursive: true });
    renameSync(path.join(root, "crash-skill"), path.join(root, ".trash", "crash-skill.0b8f"));
    age(path.join(root, ".trash", "crash-skill.0b8f"));
    // Abandoned staging, an orphan folder with no row, and a staging folder still in use.
    mkdirSync(path.join(root, ".staging", "old-upload"), { recursive: true });
    age(path.join(root, ".staging", "old-upload"));
    mkdirSync(path.join(root, "orphan-skill"));
    age(path.join(root, "orphan-skill"));
    mkdirSync(path.join(root, ".staging", "in-flight"));

    const report = await tidyInstalledSkills(db);
    expect(report.restored).toEqual(["crash-skill"]);
    expect([...report.removed].sort()).toEqual([path.join(".staging", "old-upload"), "orphan-skill"]);
    expect(existsSync(path.join(root, "crash-skill", "SKILL.md"))).toBe(true);
    expect(existsSync(path.join(root, ".staging", "in-flight"))).toBe(true);
    expect((await detail(admin, "crash-skill")).status).toBe(200);
  });

  it("uses a copied bundled folder in place when SKILLS_DIR points elsewhere", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "skills-copy-"));
    try {
      cpSync(path.join(shippedSkillsDir(), "code-review"), path.join(dir, "code-review"), { recursive: true });
      // Same content, different folder: the row follows the folder and is marked as a directory skill.
      const report = await syncSkillsDirectory(db, dir);
      expect(report.updated).toEqual(["code-review"]);
      const [row] = await db.select().from(skills).where(eq(skills.name, "code-review"));
      expect(row).toMatchObject({ path: path.join(dir, "code-review"), source: "directory" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await syncSkillsDirectory(db, shippedSkillsDir());
    }
  });
});
