import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, skills } from "../../lib/db/schema";
import { resetEnv } from "../../lib/env";
import { makeTar, makeTarGz, makeZip, skillMd, type TestEntry } from "../fixtures/skills/archives";
import { browserRequest, createUser, routeParams, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { GET: getOne } = routeHandlers("/api/runtime/skills/{name}");
const { POST } = routeHandlers("/api/runtime/skills");

// Installed skills go under DATA_DIR/skills; give this file its own.
const dataDir = mkdtempSync(path.join(tmpdir(), "skills-install-"));
process.env.DATA_DIR = dataDir;
resetEnv();
const installedRoot = path.join(dataDir, "skills");

const folder = (name: string, extra: TestEntry[] = []): TestEntry[] => [
  { name: `${name}/`, kind: "dir" },
  { name: `${name}/SKILL.md`, data: skillMd(name) },
  { name: `${name}/reference/notes.md`, data: "# Notes\n" },
  { name: `${name}/scripts/check.sh`, data: "#!/bin/sh\necho ok\n", mode: 0o755 },
  ...extra,
];

describe("skills install API", async () => {
  const database = await useTestDatabase();
  let admin: TestUser;
  let developer: TestUser;

  beforeAll(async () => {
    const { db } = database;
    admin = await createUser(db, { role: "ADMIN", name: "Ada" });
    developer = await createUser(db, { role: "DEVELOPER", name: "Bob" });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const upload = async (user: TestUser, body: Buffer, contentType: string, query = "") =>
    POST(await browserRequest(user.id, `/api/runtime/skills${query}`, { method: "POST", body: new Uint8Array(body), headers: { "content-type": contentType } }));

  async function multipart(user: TestUser, body: Buffer, filename: string, fields: Record<string, string> = {}) {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(body)]), filename);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    // Let the platform encode the multipart body, then send it like a browser would.
    const encoded = new Request("http://localhost/", { method: "POST", body: form });
    const contentType = encoded.headers.get("content-type")!;
    return upload(user, Buffer.from(await encoded.arrayBuffer()), contentType);
  }

  async function expectNothingWritten(name: string) {
    const { db } = database;
    expect(await db.select().from(skills).where(eq(skills.name, name))).toHaveLength(0);
    expect(existsSync(path.join(installedRoot, name))).toBe(false);
    for (const scratch of [".staging", ".trash"]) {
      const dir = path.join(installedRoot, scratch);
      if (existsSync(dir)) expect(readdirSync(dir)).toEqual([]);
    }
    // Nothing escaped into the data folder or its parent either.
    expect(existsSync(path.join(dataDir, "evil.txt"))).toBe(false);
    expect(existsSync(path.join(path.dirname(dataDir), "evil.txt"))).toBe(false);
  }

  async function errorOf(res: Response) {
    return ((await res.json()) as { error: { code: string; message: string } }).error;
  }

  it("installs a zip sent as multipart/form-data, records it, and audits it", async () => {
    const { db } = database;
    const res = await multipart(admin, makeZip(folder("zip-skill")), "zip-skill.zip");
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ name: "zip-skill", source: "upload", enabled: true, file_count: 3, replaced: false });
    expect(body.instructions).toContain("Follow these steps carefully.");
    expect(body.files.map((f: { path: string }) => f.path)).toEqual(["SKILL.md", "reference/notes.md", "scripts/check.sh"]);

    const target = path.join(installedRoot, "zip-skill");
    expect(readFileSync(path.join(target, "reference/notes.md"), "utf8")).toBe("# Notes\n");
    const [row] = await db.select().from(skills).where(eq(skills.name, "zip-skill"));
    expect(row).toMatchObject({ path: target, source: "upload", installedBy: admin.id });
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "skill.installed"), eq(auditEvents.resourceId, "zip-skill")));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: admin.id, outcome: "success" });
  });

  it("installs a .tar.gz sent as a raw application/gzip body, with SKILL.md at the archive root", async () => {
    const entries: TestEntry[] = [
      { name: "SKILL.md", data: skillMd("tar-skill", { extra: "version: 2.1\nallowed-tools: Read, Grep" }) },
      { name: "docs/", kind: "dir" },
      { name: "docs/guide.md", data: "guide" },
    ];
    const res = await upload(admin, makeTarGz(entries), "application/gzip");
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "tar-skill", version: "2.1", allowed_tools: ["Read", "Grep"], file_count: 2 });
    expect(readFileSync(path.join(installedRoot, "tar-skill/docs/guide.md"), "utf8")).toBe("guide");
  });

  it("installs a raw application/zip body and refuses a duplicate name with 409 unless replace=true", async () => {
    expect((await upload(admin, makeZip(folder("dup-skill")), "application/zip")).status).toBe(201);

    const again = await upload(admin, makeZip(folder("dup-skill")), "application/zip");
    expect(again.status).toBe(409);
    expect((await errorOf(again)).message).toMatch(/already installed/);

    const changed = folder("dup-skill").map((e) => (e.name.endsWith("notes.md") ? { ...e, data: "# New notes\n" } : e));
    const replaced = await upload(admin, makeZip(changed), "application/zip", "?replace=true");
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toMatchObject({ name: "dup-skill", replaced: true });
    expect(readFileSync(path.join(installedRoot, "dup-skill/reference/notes.md"), "utf8")).toBe("# New notes\n");
    expect(readdirSync(path.join(installedRoot, ".trash"))).toEqual([]);
  });

  it("lets exactly one of two simultaneous installs of the same name win", async () => {
    const { db } = database;
    const [a, b] = await Promise.all([
      upload(admin, makeZip(folder("race-skill")), "application/zip"),
      multipart(admin, makeZip(folder("race-skill")), "race-skill.zip"),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await db.select().from(skills).where(eq(skills.name, "race-skill"))).toHaveLength(1);
    expect(readdirSync(path.join(installedRoot, "race-skill")).sort()).toEqual(["SKILL.md", "reference", "scripts"]);
  });

  it("installs from a server-side path and refuses relative paths and symlinked content", async () => {
    const src = mkdtempSync(path.join(tmpdir(), "skills-src-"));
    try {
      const dir = path.join(src, "path-skill");
      mkdirSync(path.join(dir, "ref"), { recursive: true });
      writeFileSync(path.join(dir, "SKILL.md"), skillMd("path-skill"));
      writeFileSync(path.join(dir, "ref/a.md"), "a");
      const req = async (p: string) =>
        POST(await browserRequest(admin.id, "/api/runtime/skills", { method: "POST", body: JSON.stringify({ path: p }) }));

      const ok = await req(dir);
      expect(ok.status).toBe(201);
      expect(await ok.json()).toMatchObject({ name: "path-skill", source: "path", file_count: 2 });
      expect(readFileSync(path.join(installedRoot, "path-skill/ref/a.md"), "utf8")).toBe("a");

      expect((await req("relative/path-skill")).status).toBe(422);

      const linked = path.join(src, "linked-skill");
      mkdirSync(linked);
      writeFileSync(path.join(linked, "SKILL.md"), skillMd("linked-skill"));
      symlinkSync("/etc/passwd", path.join(linked, "passwd"));
      const refused = await req(linked);
      expect(refused.status).toBe(422);
      expect((await errorOf(refused)).message).toMatch(/symbolic links/);
      await expectNothingWritten("linked-skill");
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  const big = Buffer.alloc(21 * 1024 * 1024);
  const malicious: [string, () => Buffer, string, number, RegExp][] = [
    ["a ../ traversal entry (zip)", () => makeZip(folder("evil-a", [{ name: "evil-a/../../evil.txt", data: "x" }])), "application/zip", 422, /'\.\.'/],
    ["a ../ traversal entry (tar.gz)", () => makeTarGz(folder("evil-b", [{ name: "../evil.txt", data: "x" }])), "application/gzip", 422, /'\.\.'/],
    ["an absolute path (zip)", () => makeZip(folder("evil-c", [{ name: "/tmp/evil.txt", data: "x" }])), "application/zip", 422, /absolute/],
    ["an absolute path (tar.gz)", () => makeTarGz(folder("evil-d", [{ name: "/tmp/evil.txt", data: "x" }])), "application/gzip", 422, /absolute/],
    ["a symlink entry (zip)", () => makeZip(folder("evil-e", [{ name: "evil-e/passwd", kind: "symlink", target: "/etc/passwd" }])), "application/zip", 422, /symbolic links/],
    ["a symlink entry (tar.gz)", () => makeTarGz(folder("evil-f", [{ name: "evil-f/passwd", kind: "symlink", target: "/etc/passwd" }])), "application/gzip", 422, /symbolic links/],
    ["a hard link entry (tar.gz)", () => makeTarGz(folder("evil-g", [{ name: "evil-g/passwd", kind: "hardlink", target: "/etc/passwd" }])), "application/gzip", 422, /hard links/],
    ["a device entry (tar.gz)", () => makeTarGz(folder("evil-h", [{ name: "evil-h/tty", kind: "chardev" }])), "application/gzip", 422, /device/],
    ["a deflate bomb past 20 MB (zip)", () => makeZip(folder("evil-i", [{ name: "evil-i/big.bin", data: big, deflate: true }])), "application/zip", 413, /expands/],
    ["an entry lying about its size (zip)", () => makeZip(folder("evil-j", [{ name: "evil-j/big.bin", data: big, deflate: true, declaredSize: 100 }])), "application/zip", 422, /too many bytes/],
    ["a gzip bomb past 20 MB (tar.gz)", () => gzipSync(Buffer.concat([makeTar(folder("evil-k")).subarray(0, -1024), Buffer.alloc(60 * 1024 * 1024)])), "application/gzip", 413, /expands/],
    ["more than 200 files", () => makeZip(folder("evil-l", Array.from({ length: 200 }, (_, i) => ({ name: `evil-l/f${i}.txt`, data: "x" })))), "application/zip", 422, /more than 200 files/],
    ["a SKILL.md without front matter", () => makeZip([{ name: "evil-m/SKILL.md", data: "# Hello\n" }]), "application/zip", 422, /front matter/],
    ["no SKILL.md at all", () => makeZip([{ name: "evil-n/README.md", data: "# Hello\n" }]), "application/zip", 422, /no SKILL.md/],
    ["front matter missing the description", () => makeZip([{ name: "evil-o/SKILL.md", data: "---\nname: evil-o\n---\nbody\n" }]), "application/zip", 422, /description/],
    ["a name that does not match its folder", () => makeZip([{ name: "evil-p/SKILL.md", data: skillMd("other-name") }]), "application/zip", 422, /must match its folder name/],
    ["an invalid name", () => makeZip([{ name: "SKILL.md", data: skillMd("Evil_Q") }]), "application/zip", 422, /name must be lowercase/],
    ["a file that is not an archive", () => Buffer.from("just some text"), "application/zip", 415, /\.zip or \.tar\.gz/],
  ];

  it.each(malicious)("refuses %s and writes nothing", async (_label, build, contentType, status, pattern) => {
    const res = await upload(admin, build(), contentType);
    expect(res.status).toBe(status);
    expect((await errorOf(res)).message).toMatch(pattern);
    for (const name of ["evil-a", "evil-b", "evil-c", "evil-d", "evil-e", "evil-f", "evil-g", "evil-h", "evil-i", "evil-j", "evil-k", "evil-l", "evil-m", "evil-n", "evil-o", "evil-p", "other-name"]) {
      await expectNothingWritten(name);
    }
  });

  it("refuses an upload over 5 MB before extracting it (413)", async () => {
    const random = Buffer.alloc(5 * 1024 * 1024 + 10, 7);
    const res = await upload(admin, random, "application/zip");
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toMatch(/larger than 5242880 bytes/);
  });

  it("audits refused installs as failures", async () => {
    const { db } = database;
    const failures = await db.select().from(auditEvents).where(and(eq(auditEvents.eventType, "skill.installed"), eq(auditEvents.outcome, "failure")));
    expect(failures.length).toBeGreaterThanOrEqual(malicious.length);
  });

  it("refuses unsupported content types (415) and a multipart body without a file field (422)", async () => {
    expect((await upload(admin, Buffer.from("x"), "text/plain")).status).toBe(415);
    const form = new FormData();
    form.set("other", "x");
    const encoded = new Request("http://localhost/", { method: "POST", body: form });
    const res = await upload(admin, Buffer.from(await encoded.arrayBuffer()), encoded.headers.get("content-type")!);
    expect(res.status).toBe(422);
  });

  it("forbids a DEVELOPER from installing (403) and writes nothing", async () => {
    const res = await upload(developer, makeZip(folder("dev-skill")), "application/zip");
    expect(res.status).toBe(403);
    await expectNothingWritten("dev-skill");
    const viaForm = await multipart(developer, makeZip(folder("dev-skill")), "dev-skill.zip");
    expect(viaForm.status).toBe(403);
    await expectNothingWritten("dev-skill");
  });

  it("requires authentication (401)", async () => {
    const res = await POST(new Request("http://localhost/api/runtime/skills", { method: "POST", body: new Uint8Array(makeZip(folder("anon-skill"))), headers: { "content-type": "application/zip" } }));
    expect(res.status).toBe(401);
    await expectNothingWritten("anon-skill");
  });

  it("shows the installed skill's details to a developer", async () => {
    const res = await getOne(await browserRequest(developer.id, "/api/runtime/skills/zip-skill"), routeParams({ name: "zip-skill" }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ name: "zip-skill", usable: true, enabled: true });
    expect(body.files).toHaveLength(3);
  });
});
