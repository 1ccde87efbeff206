import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, isNotNull, lt, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { auditEvents, type AuditEvent, type SealedAuditEvent } from "../db/schema";
import { boundedDate, queryInt } from "../validation";

export const MAX_AUDIT_PAGE = 1000;

export const auditFilterSchema = z
  .object({
    user_id: z.string().uuid().optional(),
    session_id: z.string().uuid().optional(),
    event_type: z.string().trim().min(1).max(64).optional(),
    resource_type: z.string().trim().min(1).max(64).optional(),
    resource_id: z.string().trim().min(1).max(200).optional(),
    outcome: z.enum(["success", "failure", "denied"]).optional(),
    from: boundedDate().optional(),
    to: boundedDate().optional(),
  })
  .refine((v) => !(v.from && v.to && v.from > v.to), { message: "from must not be after to", path: ["from"] });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const auditPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  /** The seq to continue after (exclusive), as returned in next_cursor. */
  cursor: queryInt({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional(),
  order: z.enum(["asc", "desc"]).default("desc"),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** Query string for the list endpoints: filters + paging. */
export const auditListQuery = z.intersection(auditFilterSchema, auditPageSchema);

export function auditEventJson(e: SealedAuditEvent) {
  return {
    id: e.id,
    seq: e.seq,
    occurred_at: e.occurredAt.toISOString(),
    event_type: e.eventType,
    actor_user_id: e.actorUserId,
    session_id: e.sessionId,
    device_id: e.deviceId,
    ip: e.ip,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    action: e.action,
    outcome: e.outcome,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}
export type AuditEventJson = ReturnType<typeof auditEventJson>;

/** Only sealed rows are listed: they have their place (seq) and hash; see audit-seal.ts. */
function conditions(f: AuditFilter): (SQL | undefined)[] {
  return [
    isNotNull(auditEvents.seq),
    f.user_id ? eq(auditEvents.actorUserId, f.user_id) : undefined,
    f.session_id ? eq(auditEvents.sessionId, f.session_id) : undefined,
    f.event_type ? eq(auditEvents.eventType, f.event_type) : undefined,
    f.resource_type ? eq(auditEvents.resourceType, f.resource_type) : undefined,
    f.resource_id ? eq(auditEvents.resourceId, f.resource_id) : undefined,
    f.outcome ? eq(auditEvents.outcome, f.outcome) : undefined,
    f.from ? gte(auditEvents.occurredAt, f.from) : undefined,
    f.to ? lte(auditEvents.occurredAt, f.to) : undefined,
  ];
}

/**
 * A time window holding at most this many matching rows (after the cursor) is read whole from a
 * (filter, occurred_at, seq) index and sorted by seq; a bigger one is walked in seq order.
 */
export const AUDIT_WINDOW_SORT_MAX = 20_000;

/**
 * One page of events, keyset-paginated by seq (stable while the chain grows).
 *
 * Without a time range every filter has a (filter…, seq) index, walked in seq order until the
 * page is full. A time range is where that walk can be long — it starts at the newest (or
 * oldest) seq and skips every row outside the window, and the planner cannot know how far the
 * window is — so a page with from/to first collects the window's seqs (up to
 * AUDIT_WINDOW_SORT_MAX + 1, from an index on occurred_at) and, if it got them all, takes the
 * page's seqs from those: exact, and a small sort. A bigger window is walked in seq order over the
 * index alone (occurred_at is in every seq-ordered index), then the page's rows are fetched.
 */
export async function listAuditEvents(db: DbOrTx, filter: AuditFilter, page: AuditPage, windowSortMax = AUDIT_WINDOW_SORT_MAX) {
  // Planned for this filter's own values each time: the statements are prepared (lib/db/prepare-by-default.ts),
  // and the generic plan PostgreSQL picks for them after five runs made time-range searches slower
  // (bench audit-query p95 30 ms instead of 17–21 ms). Only here: the hot paths keep their generic plans.
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return auditPage(tx, filter, page, windowSortMax);
  });
}

async function auditPage(db: DbOrTx, filter: AuditFilter, page: AuditPage, windowSortMax: number) {
  const after = page.cursor === undefined ? undefined : page.order === "asc" ? gt(auditEvents.seq, page.cursor) : lt(auditEvents.seq, page.cursor);
  const where = and(...conditions(filter), after);
  const bySeq = page.order === "asc" ? asc(auditEvents.seq) : desc(auditEvents.seq);
  const take = page.limit + 1;
  // The walk: the page's seqs from a seq-ordered index alone (occurred_at is in it), then their rows.
  const walk = () => db.select().from(auditEvents).where(inArray(auditEvents.seq, db.select({ seq: auditEvents.seq }).from(auditEvents).where(where).orderBy(bySeq).limit(take))).orderBy(bySeq);
  let rows: AuditEvent[];
  if (filter.from || filter.to) rows = (await windowPage(db, where, page.order, take, windowSortMax)) ?? (await walk());
  else rows = await db.select().from(auditEvents).where(where).orderBy(bySeq).limit(take);
  const more = rows.length > page.limit;
  const events = (rows.slice(0, page.limit) as SealedAuditEvent[]).map(auditEventJson);
  return { events, next_cursor: more ? String(events[events.length - 1]!.seq) : null };
}

/**
 * A time window's page in one statement: the window's seqs (at most max + 1 of them) as a CTE,
 * the page's rows among them, and the CTE's size; null when the window holds more than `max` rows.
 */
async function windowPage(db: DbOrTx, where: SQL | undefined, order: AuditPage["order"], take: number, max: number): Promise<AuditEvent[] | null> {
  const window = db.$with("audit_window").as(db.select({ seq: auditEvents.seq }).from(auditEvents).where(where).limit(max + 1));
  const rows = await db
    .with(window)
    .select({ ...getTableColumns(auditEvents), windowRows: sql<number>`(select count(*) from "audit_window")::int` })
    .from(auditEvents)
    .where(inArray(auditEvents.seq, db.select({ seq: window.seq }).from(window).orderBy(order === "asc" ? asc(window.seq) : desc(window.seq)).limit(take)))
    .orderBy(order === "asc" ? asc(auditEvents.seq) : desc(auditEvents.seq));
  if (rows.length > 0 && Number(rows[0]!.windowRows) > max) return null;
  return rows;
}

/** Every matching event in seq order, a batch at a time (for exports). */
export async function* iterateAuditEvents(db: DbOrTx, filter: AuditFilter, batchSize = MAX_AUDIT_PAGE): AsyncGenerator<AuditEventJson[]> {
  let cursor: number | undefined;
  for (;;) {
    const page = await listAuditEvents(db, filter, { limit: batchSize, cursor, order: "asc" });
    if (page.events.length > 0) yield page.events;
    if (!page.next_cursor) return;
    cursor = Number(page.next_cursor);
  }
}

const CSV_COLUMNS = ["seq", "occurred_at", "event_type", "actor_user_id", "session_id", "device_id", "ip", "resource_type", "resource_id", "action", "outcome", "details", "prev_hash", "hash"] as const;

/** RFC 4180 quoting; a leading = + - @ is defused so spreadsheets do not run it as a formula. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A streamed CSV or JSONL body of every matching event, oldest first. */
export function auditExportStream(db: DbOrTx, filter: AuditFilter, format: "csv" | "jsonl"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = iterateAuditEvents(db, filter);
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (format === "csv" && !headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\r\n"));
        return;
      }
      const next = await batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      const lines =
        format === "csv"
          ? next.value.map((e) => CSV_COLUMNS.map((c) => csvField(e[c])).join(",") + "\r\n")
          : next.value.map((e) => JSON.stringify(e) + "\n");
      controller.enqueue(encoder.encode(lines.join("")));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}
