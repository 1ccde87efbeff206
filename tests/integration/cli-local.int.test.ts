import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../lib/db/client";
import { auditEvents, executions } from "../../lib/db/schema";
import { createUser, type TestUser } from "../support/auth";
import { clawlink } from "../support/cli";
import { createTestDatabase } from "../support/db";
import { testDbKind } from "../support/db-target";

const SLOW = 240_000;

/**
 * `clawlink run --local` on the node's own database with no server: an embedded PGlite folder
 * (DATA_DIR) made from the migrated snapshot, or the Postgres test database (DATABASE_URL).
 */
describe("clawlink run --local", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "clawlink-local-"));
  const pgliteDir = path.join(dataDir, "pglite");
  let env: Record<string, string>;
  let admin: TestUser;
  let dispose: () => Promise<void> = async () => {};
  /** Open the database in this process (PGlite: only while the command is not running). */
  let withDb: <T>(work: (db: DatabaseHandle) => Promise<T>) => Promise<T>;

  beforeAll(async () => {
    if (testDbKind() === "pglite") {
      const open = () => openDatabase({ dataDir: pgliteDir });
      const seed = await openDatabase({ dataDir: pgliteDir, loadDataDir: new Blob([readFileSync(inject("pgliteSnapshot"))]) });
      await seed.close();
      withDb = async (work) => {
        const handle = await open();
        try {
          return await work(handle);
        } finally {
          await handle.close();
        }
      };
      env = { DATA_DIR: dataDir };
    } else {
      const database = await createTestDatabase();
      dispose = database.dispose;
      withDb = (work) => work(database);
      env = { DATABASE_URL: database.url! };
    }
    admin = await withDb((h) => createUser(h.db, { name: "Local", role: "ADMIN" }));
    env = { ...env, NODE_ENV: "test", CLAWLINK_CONFIG_DIR: path.join(dataDir, "no-login") };
  });
  afterAll(async () => {
    await dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs a task in-process as the only administrator, answers its question, and audits it as a local call", { timeout: SLOW }, async () => {
    const run = clawlink(["run", "--local", "test-echo", "say:no server here; ask:Proceed?; result:done locally"], { env });
    await run.waitFor(/Your answer:/);
    run.write("go\n");
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("no server here\nanswer: go\n");
    expect(result.stderr).toContain(`as ${admin.email}`);
    expect(result.stderr).toContain("✔ COMPLETED");

    const { task, trail } = await withDb(async ({ db }) => {
      const [task] = await db.select().from(executions).where(eq(executions.userId, admin.id));
      const trail = await db.select().from(auditEvents).where(and(eq(auditEvents.resourceId, task!.id)));
      return { task: task!, trail };
    });
    expect(task).toMatchObject({ state: "COMPLETED", agentType: "test-echo" });
    const submitted = trail.find((e) => e.eventType === "task.submitted");
    expect(submitted).toMatchObject({ actorUserId: admin.id, details: expect.objectContaining({ via: "local" }) });
    expect(trail.map((e) => e.eventType)).toEqual(expect.arrayContaining(["task.submitted", "task.started", "task.input_provided", "task.completed"]));
  });

  it("--json prints the events; the exit code is the outcome; --as picks the account and is checked", { timeout: SLOW }, async () => {
    const failed = await clawlink(["run", "--local", "test-echo", "fail:out of cheese", "--json"], { env });
    expect(failed.code).toBe(1);
    const lines = failed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; state: string | null });
    expect(lines.at(-1)).toMatchObject({ type: "state", state: "FAILED" });

    const viewer = await withDb((h) => createUser(h.db, { name: "Watcher", role: "VIEWER" }));
    const forbidden = await clawlink(["run", "--local", "test-echo", "x", "--as", viewer.email], { env });
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toMatch(/Not allowed/);

    const unknown = await clawlink(["run", "--local", "test-echo", "x", "--as", "nobody@example.com"], { env });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("No account nobody@example.com");

    await withDb((h) => createUser(h.db, { name: "Second", role: "ADMIN" }));
    const ambiguous = await clawlink(["run", "--local", "test-echo", "x"], { env });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("--as <email>");
  });

  it("refuses an embedded database another process has open (two PGlite processes on one folder corrupt it)", { timeout: SLOW }, async () => {
    const busyDir = path.join(dataDir, "busy");
    const holder = await openDatabase({ dataDir: path.join(busyDir, "pglite") });
    try {
      const busy = await clawlink(["run", "--local", "test-echo", "x"], { env: { ...env, DATABASE_URL: "", DATA_DIR: busyDir } });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain("is in use");
    } finally {
      await holder.close();
    }
  });
});
