/**
 * The audit browser's query at scale: 1,000,000 sealed events bulk-seeded into the bench database
 * in one INSERT … SELECT generate_series with the table's secondary indexes dropped and rebuilt
 * around it (the append-only triggers refuse UPDATE, DELETE and TRUNCATE, not INSERT; the hashes
 * are chained-looking placeholders — this row measures reading, not the chain), then pages of 100
 * through GET /api/audit/events on the production server as an administrator, with the filters
 * the audit browser offers (one at a time, combined, and within time windows; some second pages).
 */
import { sql, type SQL } from "drizzle-orm";
import type { DatabaseHandle } from "../lib/db/client";
import { selectRows } from "../lib/db/sql";
import { GENESIS_HASH } from "../lib/security/audit";
import { summarize, type Summary } from "./stats";

export const AUDIT_SEED_EVENTS = 1_000_000;
const ACTORS = 50;
const SESSIONS = 2_000;
const EVENT_TYPES = ["task.submitted", "task.started", "task.completed", "task.failed", "task.cancelled", "agent.executed", "resource.accessed", "session.created", "session.deleted", "auth.signin_succeeded", "auth.signin_failed", "permission.denied", "token.created", "resource.modified"];
/** Seeded events span this many days, newest now. */
const SPAN_DAYS = 90;

export interface AuditSeed {
  actors: string[];
  eventTypes: string[];
  resourceIds: string[];
  sessions: string[];
}

/** A session's uuid from its number, deterministic and valid as a v4 uuid (the API checks the version and variant). */
const sessionUuid = (n: SQL) => sql`overlay(overlay(md5('session-' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;

/** 1,000,000 events from 50 actors in 2,000 sessions over 90 days, 14 event types, ~3 % failures, ~2 % denials. */
export async function seedAuditEvents(handle: DatabaseHandle, count = AUDIT_SEED_EVENTS): Promise<AuditSeed> {
  const actors = (await selectRows<{ id: string }>(handle, sql`select gen_random_uuid()::text as id from generate_series(1, ${ACTORS})`)).map((r) => r.id);
  // Array literals as one text parameter each (the values are uuids and our own event names).
  const types = `{${EVENT_TYPES.join(",")}}`;
  const actorList = `{${actors.join(",")}}`;
  const perSession = Math.max(1, Math.floor(count / SESSIONS));
  await handle.db.transaction(async (tx) => {
    // A long statement by design (the server's 30 s statement_timeout is for requests).
    await tx.execute(sql`set local statement_timeout = 0`);
    await tx.execute(sql`set local maintenance_work_mem = '256MB'`);
    // The secondary indexes as the migrations made them, dropped and rebuilt around the insert:
    // one sorted build each instead of a million random insertions.
    const indexes = await selectRows<{ name: string; definition: string }>(
      tx,
      sql`select i.relname as name, pg_get_indexdef(i.oid) as definition
          from pg_index x join pg_class i on i.oid = x.indexrelid
          where x.indrelid = 'audit_events'::regclass
            and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`,
    );
    for (const index of indexes) await tx.execute(sql`drop index ${sql.identifier(index.name)}`);
    // Inserted sealed (INSERT is what the append-only triggers allow; they refuse UPDATE,
    // DELETE and TRUNCATE), chained-looking: each row's prev_hash is the previous row's hash.
    // The hashes are placeholders (md5-derived hex, not sha256 of the content): this row
    // measures reading, not the chain.
    await tx.execute(sql`
      insert into audit_events (seq, occurred_at, event_type, actor_user_id, session_id, device_id, ip, resource_type, resource_id, action, outcome, details, prev_hash, hash)
      select g,
             now() - make_interval(secs => (${count}::int - g) * ${(SPAN_DAYS * 86400) / count}::float8),
             (${types}::text[])[1 + g % ${EVENT_TYPES.length}],
             (${actorList}::uuid[])[1 + (g * 7) % ${ACTORS}],
             ${sessionUuid(sql`g / ${perSession}`)}, null, '127.0.0.1', 'task', 'task-' || (g / 10),
             (${types}::text[])[1 + g % ${EVENT_TYPES.length}],
             case when g % 50 = 0 then 'denied' when g % 33 = 0 then 'failure' else 'success' end,
             jsonb_build_object('n', g),
             case when g = 1 then ${GENESIS_HASH} else md5((g - 1)::text) || md5('h' || (g - 1)) end,
             md5(g::text) || md5('h' || g)
      from generate_series(1, ${count}::int) as g`);
    for (const index of indexes) await tx.execute(sql.raw(index.definition));
  });
  // What autovacuum would have done by the time a table is this big: statistics and the visibility map.
  await handle.db.execute(sql`vacuum analyze audit_events`);
  const resourceIds = Array.from({ length: 20 }, (_, i) => `task-${Math.floor(((i + 1) * count) / 21 / 10)}`);
  const sessions = (await selectRows<{ id: string }>(handle, sql`select ${sessionUuid(sql`s`)}::text as id from generate_series(0, ${SESSIONS - 1}, ${Math.max(1, Math.floor(SESSIONS / 20))}) as s`)).map((r) => r.id);
  return { actors, eventTypes: EVENT_TYPES, resourceIds, sessions };
}

/** The mix of filtered first pages (and some second pages) the audit browser sends. */
function queries(seed: AuditSeed, n: number): string[] {
  const pick = <T>(list: T[], i: number) => list[i % list.length];
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const shapes = [
    (i: number) => `user_id=${pick(seed.actors, i)}`,
    (i: number) => `event_type=${pick(seed.eventTypes, i)}`,
    (i: number) => `user_id=${pick(seed.actors, i)}&event_type=${pick(seed.eventTypes, i * 3)}`,
    (i: number) => `resource_type=task&resource_id=${pick(seed.resourceIds, i)}`,
    (i: number) => `outcome=${i % 2 ? "denied" : "failure"}`,
    (i: number) => `event_type=${pick(seed.eventTypes, i)}&from=${day(40 + (i % 30))}&to=${day(39 + (i % 30))}`,
    (i: number) => `user_id=${pick(seed.actors, i)}&from=${day(10 + (i % 60))}&to=${day(3 + (i % 60))}`,
    (i: number) => `session_id=${pick(seed.sessions, i)}`,
    (i: number) => `from=${day(20 + (i % 60))}&to=${day(19 + (i % 60))}`,
    (i: number) => `outcome=${i % 2 ? "denied" : "failure"}&from=${day(10 + (i % 60))}&to=${day(3 + (i % 60))}`,
  ];
  return Array.from({ length: n }, (_, i) => `${shapes[i % shapes.length](i)}&limit=100`);
}

export interface AuditQueryResult {
  events: number;
  latency: Summary;
  /** Per filter shape, p95 — where a slow plan shows. */
  byShape: { filter: string; p95: number }[];
}

export async function measureAuditQuery(baseURL: string, adminToken: string, seed: AuditSeed, events: number, count = 350): Promise<AuditQueryResult> {
  const headers = { authorization: `Bearer ${adminToken}` };
  const get = async (query: string) => {
    const t0 = performance.now();
    const res = await fetch(`${baseURL}/api/audit/events?${query}`, { headers, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { events: unknown[]; next_cursor: string | null };
    const elapsed = performance.now() - t0;
    if (res.status !== 200) throw new Error(`audit query ${query} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return { elapsed, body };
  };
  const list = queries(seed, count);
  for (const q of list.slice(0, 20)) await get(q); // warm-up: plans, pools
  const latencies: number[] = [];
  const byShape = new Map<string, number[]>();
  for (const [i, q] of list.entries()) {
    const first = await get(q);
    const shape = q.replace(/=[^&]+/g, "=…");
    latencies.push(first.elapsed);
    byShape.set(shape, [...(byShape.get(shape) ?? []), first.elapsed]);
    // Every third query also turns the page, as a person paging back through history does.
    if (i % 3 === 0 && first.body.next_cursor) {
      const second = await get(`${q}&cursor=${first.body.next_cursor}`);
      latencies.push(second.elapsed);
      byShape.set(`${shape}&cursor=…`, [...(byShape.get(`${shape}&cursor=…`) ?? []), second.elapsed]);
    }
  }
  return { events, latency: summarize(latencies), byShape: [...byShape].map(([filter, v]) => ({ filter, p95: summarize(v).p95 })).sort((a, b) => b.p95 - a.p95) };
}
