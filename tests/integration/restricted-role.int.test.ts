import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../lib/db/client";
import { grantAppRole, migrateAsOwner, selectRows, setDatabase } from "../../lib/db";
import { startAuditSealer } from "../../lib/security/audit-sealer";
import { routeHandlers } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, openSessionFor } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit, testWorker, waitForState } from "../support/engine";

const { GET: listEvents } = routeHandlers("/api/audit/events");
const { GET: verify } = routeHandlers("/api/audit/verify");
const { POST: checkpoint } = routeHandlers("/api/audit/checkpoints");

/**
 * The deployment of README "Restricted database role": migrations as the owner, the app as a role
 * that does not own the tables. On PostgreSQL the app logs in as that role through its own pool
 * (migrateAsOwner grants it); PGlite is one in-process session, so there the session switches to
 * the role with SET ROLE after the same grants.
 */
describe("restricted role: the app's own role cannot switch off or rewrite the audit trail", async () => {
  const database = await useTestDatabase();
  const role = `clawlink_app_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await database.db.execute(sql.raw(`create role ${role} login password '${password}'`));
  let app: DatabaseHandle;
  if (database.url) {
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    app = await openDatabase({ url: url.toString(), maxConnections: 5 });
    await migrateAsOwner(app, database.url);
    setDatabase(app);
  } else {
    await grantAppRole(database.db, role);
    await database.db.execute(sql.raw(`set role ${role}`));
    app = database;
  }
  afterAll(async () => {
    if (app !== database) {
      setDatabase(database);
      await app.close();
    } else await database.db.execute(sql`reset role`);
    await database.db.execute(sql.raw(`drop owned by ${role}`));
    await database.db.execute(sql.raw(`drop role ${role}`));
  });

  const refusal = async (statement: string) => {
    const error = await app.db.execute(sql.raw(statement)).then(
      () => null,
      (e: Error & { cause?: Error }) => e,
    );
    return `${error?.message} ${error?.cause?.message}`;
  };

  it("connects as a role that owns nothing", async () => {
    const [who] = await selectRows<{ role: string; owner: string }>(app, sql`select current_user as role, (select tableowner from pg_tables where tablename = 'audit_events') as owner`);
    expect(who!.role).toBe(role);
    expect(who!.owner).not.toBe(role);
  });

  it("the app works normally: sessions, tasks run to completion, sealing, checkpoints, verify", async () => {
    const admin = await createUser(app.db, { name: "Admin", role: "ADMIN" });
    const ada = await createUser(app.db, { name: "Ada" });
    await openSessionFor(app.db, ada.id);
    const worker = await testWorker(app);
    const sealer = await startAuditSealer(app, { sealEveryMs: 100, electEveryMs: 200, checkpointEveryMs: 3_600_000 });
    try {
      const id = await submit(app, ada, { prompt: "restricted" });
      await waitForState(app, id, "COMPLETED");
      await expect.poll(() => sealer.leading, { timeout: 20_000 }).toBe(true);
      const { token } = await apiTokenFor(app.db, admin.id);
      const created = await checkpoint(bearerRequest(token, "/api/audit/checkpoints", { method: "POST" }));
      expect(created.status).toBe(201);
      const events = await (await listEvents(bearerRequest(token, `/api/audit/events?resource_id=${id}&order=asc`))).json();
      expect(events.events.map((e: { event_type: string }) => e.event_type)).toEqual(["task.submitted", "task.started", "agent.executed", "task.completed"]);
      const report = await (await verify(bearerRequest(token, "/api/audit/verify"))).json();
      expect(report).toMatchObject({ ok: true, first_broken: null, checkpoint: { source: "file" } });
    } finally {
      await sealer.stop();
      await worker.stop();
    }
  });

  it("cannot disable, drop or replace the triggers, nor set replica mode", async () => {
    expect(await refusal("alter table audit_events disable trigger user")).toMatch(/must be owner/);
    expect(await refusal("alter table audit_events disable trigger audit_events_no_update")).toMatch(/must be owner/);
    expect(await refusal("drop trigger audit_events_no_delete on audit_events")).toMatch(/must be owner/);
    expect(await refusal("create or replace function audit_events_refuse_change() returns trigger as $$ begin return new; end; $$ language plpgsql")).toMatch(/must be owner|permission denied for schema/);
    expect(await refusal("alter table audit_checkpoints disable trigger user")).toMatch(/must be owner/);
    expect(await refusal("set session_replication_role = replica")).toMatch(/permission denied/);
    expect(await refusal("drop table audit_events")).toMatch(/must be owner/);
  });

  it("cannot delete, truncate or update audit rows or checkpoints", async () => {
    expect(await refusal("delete from audit_events")).toMatch(/permission denied/);
    expect(await refusal("truncate audit_events")).toMatch(/permission denied/);
    expect(await refusal("update audit_events set action = 'forged' where seq = 1")).toMatch(/permission denied/);
    // The seal columns are the app's to set once; a sealed row's seal still cannot change.
    expect(await refusal("update audit_events set hash = repeat('a', 64) where seq = 1")).toMatch(/append-only: UPDATE refused/);
    expect(await refusal("delete from audit_checkpoints")).toMatch(/permission denied/);
    expect(await refusal("update audit_checkpoints set hash = 'x'")).toMatch(/permission denied/);
    expect(await refusal("truncate audit_checkpoints")).toMatch(/permission denied/);
    const [count] = await selectRows<{ n: number }>(app, sql`select count(*)::int as n from audit_events where seq = 1 and action <> 'forged'`);
    expect(count!.n).toBe(1);
  });
});
