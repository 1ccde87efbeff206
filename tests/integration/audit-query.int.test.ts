import { asc, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { selectRows } from "../../lib/db";
import { auditEvents } from "../../lib/db/schema";
import { recordAudit, type AuditEventType } from "../../lib/security/audit";
import { listAuditEvents, type AuditFilter, type AuditPage } from "../../lib/security/audit-query";
import { sealAuditChain } from "../../lib/security/audit-seal";
import { useTestDatabase } from "../support/db";

const ACTORS = ["7b0e5a3c-0000-4000-8000-000000000001", "7b0e5a3c-0000-4000-8000-000000000002", "7b0e5a3c-0000-4000-8000-000000000003"];
const TYPES: AuditEventType[] = ["task.submitted", "task.failed", "permission.denied"];
const BASE = Date.parse("2031-03-01T00:00:00Z");
const at = (minutes: number) => new Date(BASE + minutes * 60_000);

describe("audit listing: filters, time windows and keyset pages over the audit indexes", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  // 120 events whose occurred_at does not follow seq: every 7th is a straggler stamped an hour
  // earlier than its neighbours (a long transaction, a node's clock) — the case a time window
  // must not lose when it sorts by seq.
  for (let i = 0; i < 120; i++) {
    await recordAudit(db, {
      eventType: TYPES[i % 3]!,
      action: "query-probe",
      actorUserId: ACTORS[i % 3 === 0 ? 0 : (i >> 2) % 3],
      outcome: i % 5 === 0 ? "denied" : i % 11 === 0 ? "failure" : "success",
      resourceType: "probe",
      resourceId: `p${i % 4}`,
      occurredAt: at(i % 7 === 0 ? i - 60 : i),
    });
  }
  await sealAuditChain(db);
  // One row left unsealed: never listed, whatever the filter.
  await recordAudit(db, { eventType: "task.failed", action: "query-probe", actorUserId: ACTORS[1], occurredAt: at(50) });
  const all = (await db.select().from(auditEvents).orderBy(asc(auditEvents.entry))).filter((r) => r.action === "query-probe");

  /** What a page must be: the filter applied to every sealed row, sorted by seq. */
  const expected = (f: AuditFilter, p: AuditPage) =>
    all
      .filter((r) => r.seq !== null)
      .filter((r) => (!f.user_id || r.actorUserId === f.user_id) && (!f.event_type || r.eventType === f.event_type) && (!f.outcome || r.outcome === f.outcome))
      .filter((r) => (!f.resource_id || r.resourceId === f.resource_id) && (!f.from || r.occurredAt >= f.from) && (!f.to || r.occurredAt <= f.to))
      .filter((r) => p.cursor === undefined || (p.order === "asc" ? r.seq! > p.cursor : r.seq! < p.cursor))
      .map((r) => r.seq!)
      .sort((a, b) => (p.order === "asc" ? a - b : b - a))
      .slice(0, p.limit);

  const filters: AuditFilter[] = [
    {},
    { user_id: ACTORS[1] },
    { event_type: "task.failed" },
    { user_id: ACTORS[2], event_type: "permission.denied" },
    { outcome: "denied" },
    { resource_type: "probe", resource_id: "p2" },
    { from: at(10), to: at(40) },
    { from: at(-30) },
    { to: at(20) },
    { event_type: "task.submitted", from: at(-60), to: at(30) },
    { user_id: ACTORS[0], from: at(0), to: at(100) },
    { outcome: "denied", from: at(5), to: at(90) },
  ];

  it("every filter, both orders, page after page: the same rows as filtering everything, whichever way a time window is read", async () => {
    for (const filter of filters) {
      for (const order of ["desc", "asc"] as const) {
        // windowSortMax: 0 always walks seq order, 1000 always sorts the window, 8 mixes the two as pages turn.
        for (const windowSortMax of [0, 8, 1000]) {
          let cursor: number | undefined;
          const seen: number[] = [];
          for (let pageNo = 0; pageNo < 50; pageNo++) {
            const page = { limit: 7, order, cursor };
            const result = await listAuditEvents(db, { ...filter, resource_type: filter.resource_id ? "probe" : undefined }, page, windowSortMax);
            const seqs = result.events.map((e) => e.seq);
            expect(seqs, JSON.stringify({ filter, order, windowSortMax, cursor })).toEqual(expected(filter, page));
            seen.push(...seqs);
            if (!result.next_cursor) break;
            cursor = Number(result.next_cursor);
          }
          expect(seen).toEqual(expected(filter, { limit: 10_000, order }));
        }
      }
    }
  });

  it("the straggler a window sort must keep: an early-stamped row with a late seq comes first in a desc window", async () => {
    const straggler = all[70]!; // i = 70: stamped at(10), sealed after every row of the window
    const page = await listAuditEvents(db, { from: at(0), to: at(15) }, { limit: 1, order: "desc" });
    expect(page.events[0]!.seq).toBe(expected({ from: at(0), to: at(15) }, { limit: 1, order: "desc" })[0]);
    expect(page.events[0]!.seq).toBe(straggler.seq);
  });

  it("the listing indexes cover sealed rows only and carry occurred_at, so an unsealed insert skips them", async () => {
    const indexes = await selectRows<{ name: string; definition: string }>(database, sql`select indexname as name, indexdef as definition from pg_indexes where tablename = 'audit_events'`);
    const byName = new Map(indexes.map((i) => [i.name, i.definition]));
    const listing = ["seq", "actor", "session", "type", "resource", "actor_type", "outcome", "time", "actor_time", "type_time", "outcome_time"].map((n) => `audit_events_${n}_idx`);
    for (const name of listing) {
      expect(byName.get(name), name).toMatch(/WHERE .*seq IS NOT NULL/i);
      expect(byName.get(name), name).toMatch(/occurred_at/);
    }
    expect(byName.get("audit_events_seq_idx")).toMatch(/UNIQUE INDEX .*\(seq\) INCLUDE \(occurred_at\)/i);
    expect(byName.get("audit_events_outcome_idx")).toMatch(/outcome <> 'success'/);
    expect(byName.get("audit_events_unsealed_idx")).toMatch(/WHERE .*seq IS NULL/i);
  });
});
