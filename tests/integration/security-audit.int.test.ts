import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { selectRows } from "../../lib/db";
import { auditEvents } from "../../lib/db/schema";
import { recordAudit } from "../../lib/security/audit";
import { useTestDatabase } from "../support/db";
import { browserRequest, createUser, expectHiddenFrom, openSessionFor, routeParams } from "../support/auth";
import { routeHandlers } from "../support/api";

const { GET: listEvents } = routeHandlers("/api/audit/events");
const { GET: userActivity } = routeHandlers("/api/audit/users/{user_id}/activity");
const { GET: sessionActivity } = routeHandlers("/api/audit/sessions/{session_id}/activity");
const { GET: verify } = routeHandlers("/api/audit/verify");
const { GET: exportAudit } = routeHandlers("/api/audit/export");

describe("audit API and tamper evidence", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
  const ada = await createUser(db, { name: "Ada" });
  const bob = await createUser(db, { name: "Bob" });
  const adaSession = await openSessionFor(db, ada.id);
  await openSessionFor(db, bob.id);
  for (let i = 0; i < 25; i++) {
    await recordAudit(db, { eventType: "resource.accessed", action: "read", actorUserId: ada.id, resourceType: "widget", resourceId: `w${i}`, details: { i, when: new Date("2030-01-01T00:00:00Z") } as never });
  }
  const get = async (handler: typeof listEvents, userId: string, url: string, params: Record<string, string> = {}) => handler(await browserRequest(userId, url), routeParams(params));

  it("lists events for admins only, with filters and seq cursor pagination", async () => {
    expect((await get(listEvents, ada.id, "/api/audit/events")).status).toBe(403);
    const first = await (await get(listEvents, admin.id, "/api/audit/events?resource_type=widget&limit=10")).json();
    expect(first.events).toHaveLength(10);
    expect(first.events[0]).toMatchObject({ event_type: "resource.accessed", actor_user_id: ada.id, resource_id: "w24" });
    expect(Object.keys(first.events[0])).toEqual(expect.arrayContaining(["seq", "occurred_at", "prev_hash", "hash", "session_id", "device_id"]));
    const seen = [...first.events];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = await (await get(listEvents, admin.id, `/api/audit/events?resource_type=widget&limit=10&cursor=${cursor}`)).json();
      seen.push(...page.events);
      cursor = page.next_cursor;
    }
    expect(seen.map((e) => e.resource_id)).toEqual(Array.from({ length: 25 }, (_, i) => `w${24 - i}`));
    const asc = await (await get(listEvents, admin.id, "/api/audit/events?resource_type=widget&order=asc&limit=2")).json();
    expect(asc.events.map((e: { resource_id: string }) => e.resource_id)).toEqual(["w0", "w1"]);
    const created = await (await get(listEvents, admin.id, `/api/audit/events?event_type=session.created&user_id=${ada.id}`)).json();
    expect(created.events).toHaveLength(1);
    const bySession = await (await get(listEvents, admin.id, `/api/audit/events?session_id=${adaSession.sessionId}`)).json();
    expect(bySession.events.map((e: { event_type: string }) => e.event_type)).toEqual(["session.created"]);
    const future = await (await get(listEvents, admin.id, "/api/audit/events?from=2999-01-01T00:00:00Z")).json();
    expect(future.events).toEqual([]);
    expect((await get(listEvents, admin.id, "/api/audit/events?limit=1001")).status).toBe(400);
    expect((await get(listEvents, admin.id, "/api/audit/events?from=2030-01-02&to=2030-01-01")).status).toBe(400);
    expect((await get(listEvents, admin.id, "/api/audit/events?user_id=nope")).status).toBe(400);
  });

  it("user activity: self or admin; Bob gets 404 on Ada's", async () => {
    const mine = await (await get(userActivity, ada.id, `/x`, { user_id: ada.id })).json();
    expect(mine.events.length).toBeGreaterThan(25);
    expect(mine.events.every((e: { actor_user_id: string }) => e.actor_user_id === ada.id)).toBe(true);
    expect((await get(userActivity, admin.id, `/x`, { user_id: ada.id })).status).toBe(200);
    await expectHiddenFrom(bob.id, [{ handler: userActivity, url: `/api/audit/users/${ada.id}/activity`, params: { user_id: ada.id } }]);
  });

  it("session activity: owner or admin; Bob gets 404 on Ada's", async () => {
    const mine = await (await get(sessionActivity, ada.id, `/x`, { session_id: adaSession.sessionId })).json();
    expect(mine.events.map((e: { event_type: string }) => e.event_type)).toEqual(["session.created"]);
    expect((await get(sessionActivity, admin.id, `/x`, { session_id: adaSession.sessionId })).status).toBe(200);
    await expectHiddenFrom(bob.id, [
      { handler: sessionActivity, url: `/api/audit/sessions/${adaSession.sessionId}/activity`, params: { session_id: adaSession.sessionId } },
      { handler: sessionActivity, url: `/x`, params: { session_id: "00000000-0000-4000-8000-000000000000" } },
    ]);
  });

  it("exports CSV and JSONL of the filtered events, and records the export", async () => {
    const csv = await get(exportAudit, admin.id, "/api/audit/export?format=csv&resource_type=widget");
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("seq,occurred_at,event_type,actor_user_id,session_id,device_id,ip,resource_type,resource_id,action,outcome,details,prev_hash,hash");
    expect(lines).toHaveLength(26);
    expect(lines[1]).toContain(',w0,read,success,"{""i"":0');
    const jsonl = await get(exportAudit, admin.id, "/api/audit/export?format=jsonl&resource_type=widget");
    const rows = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.resource_id)).toEqual(Array.from({ length: 25 }, (_, i) => `w${i}`));
    expect(rows[0].details).toEqual({ i: 0, when: "2030-01-01T00:00:00.000Z" });
    expect((await get(exportAudit, ada.id, "/api/audit/export")).status).toBe(403);
    const recorded = await db.select().from(auditEvents).where(eq(auditEvents.action, "export_audit"));
    expect(recorded).toHaveLength(2);
  });

  it("concurrent writers still form one unbroken chain", async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        db.transaction(async (tx) => {
          await recordAudit(tx, { eventType: "resource.modified", action: "parallel", actorUserId: bob.id, details: { i } });
        }),
      ),
    );
    // Callers outside a transaction (denials, sign-in failures) must serialise just the same.
    await Promise.all(Array.from({ length: 30 }, (_, i) => recordAudit(db, { eventType: "permission.denied", action: "parallel", actorUserId: bob.id, outcome: "denied", details: { i } })));
    const report = await (await get(verify, admin.id, "/api/audit/verify")).json();
    expect(report).toMatchObject({ ok: true, first_broken: null });
    expect(report.checked).toBeGreaterThan(85);
  });

  it("the database refuses UPDATE, DELETE and TRUNCATE on audit_events", async () => {
    const refusal = async (statement: ReturnType<typeof sql>) => {
      const error = await db.execute(statement).then(() => null, (e: Error & { cause?: Error }) => e);
      return `${error?.message} ${error?.cause?.message}`;
    };
    expect(await refusal(sql`update audit_events set action = 'forged' where seq = 1`)).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(sql`delete from audit_events where seq = 1`)).toMatch(/append-only: DELETE refused/);
    expect(await refusal(sql`truncate audit_events`)).toMatch(/append-only: TRUNCATE refused/);
    const [row] = await db.select().from(auditEvents).where(eq(auditEvents.seq, 1));
    expect(row.action).not.toBe("forged");
  });

  it("verify finds a row altered behind the trigger's back at its exact seq, and a removed row", async () => {
    expect((await (await get(verify, admin.id, "/api/audit/verify")).json()).ok).toBe(true);
    const target = 12;
    const [original] = await selectRows<{ details: unknown }>(db, sql`select details from audit_events where seq = ${target}`);
    await db.execute(sql`alter table audit_events disable trigger user`);
    await db.execute(sql`update audit_events set details = '{"i": 999}'::jsonb where seq = ${target}`);
    await db.execute(sql`alter table audit_events enable trigger user`);
    const broken = await (await get(verify, admin.id, "/api/audit/verify")).json();
    expect(broken).toMatchObject({ ok: false, checked: target - 1, first_broken: { seq: target, reason: "hash_mismatch" } });

    // Put it back: the chain verifies again, so the check is about content, not history.
    await db.execute(sql`alter table audit_events disable trigger user`);
    await db.execute(sql`update audit_events set details = ${JSON.stringify(original.details)}::jsonb where seq = ${target}`);
    await db.execute(sql`alter table audit_events enable trigger user`);
    expect((await (await get(verify, admin.id, "/api/audit/verify")).json()).ok).toBe(true);

    // Forge a row's hash consistently: the next row's prev_hash gives it away.
    const forged = 20;
    await db.execute(sql`alter table audit_events disable trigger user`);
    await db.execute(sql`update audit_events set hash = repeat('a', 64) where seq = ${forged}`);
    await db.execute(sql`alter table audit_events enable trigger user`);
    const report = await (await get(verify, admin.id, "/api/audit/verify")).json();
    expect(report.first_broken).toMatchObject({ seq: forged, reason: "hash_mismatch" });

    await db.execute(sql`alter table audit_events disable trigger user`);
    await db.execute(sql`delete from audit_events where seq >= ${forged} and seq <= ${forged}`);
    await db.execute(sql`alter table audit_events enable trigger user`);
    const gap = await (await get(verify, admin.id, "/api/audit/verify")).json();
    expect(gap.first_broken).toMatchObject({ seq: forged, reason: "seq_gap" });
  });
});
