import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { sessionMemory } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, canonicalJson, recordAudit } from "./audit";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { loadSessionRow, sessionStatus } from "./runtime-sessions";

/** Limits of one session's memory scope. */
export const MEMORY_LIMITS = { valueBytes: 64 * 1024, totalBytes: 1024 * 1024, keys: 1000 } as const;

export const memoryKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:\-/]+$/, "letters, digits and . _ : - / only");

/**
 * Who may touch a session's memory: that session itself (authenticated with its token), or its
 * owner through the browser or an API token. Another session of the same user may not, and
 * admins may not either: the scope is private to the session. Anything else answers 404.
 * Writing also needs task:submit (so viewers and pending devices only read).
 */
async function memoryScope(db: DbOrTx, ctx: AuthContext, sessionId: string, mode: "read" | "write") {
  const row = await loadSessionRow(db, sessionId);
  const visible = row && row.session.userId === ctx.user.id && (!ctx.session || ctx.session.id === sessionId);
  if (!row || !visible) throw AppError.notFound("Session");
  if (mode === "write") {
    if (!ctx.permissions.has("task:submit")) throw new AppError("forbidden", "Writing session memory needs the task:submit permission", { permission: "task:submit" });
    if (sessionStatus(row.session) !== "active") throw new AppError("invalid_state", "The session has ended; its memory is read-only");
  }
  return row;
}

/** The session row, locked for the rest of the transaction. */
async function lockScope(tx: DbOrTx, sessionId: string): Promise<void> {
  await tx.execute(sql`select id from runtime_sessions where id = ${sessionId} for no key update`);
}

function entryJson(e: { key: string; value: unknown; sizeBytes: number; updatedAt: Date }) {
  return { key: e.key, value: e.value, size_bytes: e.sizeBytes, updated_at: e.updatedAt.toISOString() };
}

export async function listMemory(db: DbOrTx, ctx: AuthContext, sessionId: string) {
  await memoryScope(db, ctx, sessionId, "read");
  const rows = await db.select().from(sessionMemory).where(eq(sessionMemory.sessionId, sessionId)).orderBy(asc(sessionMemory.key));
  const used = rows.reduce((n, r) => n + r.sizeBytes, 0);
  return {
    session_id: sessionId,
    entries: rows.map(entryJson),
    usage: { keys: rows.length, bytes: used, max_keys: MEMORY_LIMITS.keys, max_bytes: MEMORY_LIMITS.totalBytes, max_value_bytes: MEMORY_LIMITS.valueBytes },
  };
}

export async function getMemory(db: DbOrTx, ctx: AuthContext, sessionId: string, key: string) {
  await memoryScope(db, ctx, sessionId, "read");
  const [row] = await db
    .select()
    .from(sessionMemory)
    .where(and(eq(sessionMemory.sessionId, sessionId), eq(sessionMemory.key, key)))
    .limit(1);
  if (!row) throw AppError.notFound("Memory key");
  return entryJson(row);
}

/** Set one key. The size checks and the write share a transaction with a row lock on the session. */
export async function putMemory(db: Database, ctx: AuthContext, sessionId: string, key: string, value: unknown) {
  if (value === undefined) throw new AppError("validation_failed", "Send {\"value\": …}");
  const sizeBytes = Buffer.byteLength(canonicalJson(value));
  if (sizeBytes > MEMORY_LIMITS.valueBytes) {
    throw new AppError("payload_too_large", `A memory value may hold at most ${MEMORY_LIMITS.valueBytes} bytes`, { size_bytes: sizeBytes });
  }
  return db.transaction(async (tx) => {
    // Lock the session first, then check it: serialises writers of this one scope (two puts cannot
    // both pass the quota check) and a revoke cannot slip between the "still active" check and the write.
    await lockScope(tx, sessionId);
    await memoryScope(tx, ctx, sessionId, "write");
    const [usage] = await tx
      .select({
        keys: sql<number>`count(*)::int`,
        bytes: sql<number>`coalesce(sum(${sessionMemory.sizeBytes}), 0)::int`,
        existing: sql<number>`coalesce(sum(case when ${sessionMemory.key} = ${key} then ${sessionMemory.sizeBytes} end), -1)::int`,
      })
      .from(sessionMemory)
      .where(eq(sessionMemory.sessionId, sessionId));
    const replacing = usage.existing >= 0;
    if (!replacing && usage.keys >= MEMORY_LIMITS.keys) throw new AppError("payload_too_large", `A session may hold at most ${MEMORY_LIMITS.keys} keys`);
    if (usage.bytes - Math.max(usage.existing, 0) + sizeBytes > MEMORY_LIMITS.totalBytes) {
      throw new AppError("payload_too_large", `A session's memory may hold at most ${MEMORY_LIMITS.totalBytes} bytes`, { used_bytes: usage.bytes });
    }
    const at = now();
    const [row] = await tx
      .insert(sessionMemory)
      .values({ sessionId, key, value: value as object, sizeBytes, updatedAt: at })
      .onConflictDoUpdate({ target: [sessionMemory.sessionId, sessionMemory.key], set: { value: value as object, sizeBytes, updatedAt: at } })
      .returning();
    await recordAudit(tx, {
      eventType: "resource.modified",
      action: "put_session_memory",
      ...actorOf(ctx),
      sessionId,
      resourceType: "session_memory",
      resourceId: `${sessionId}/${key}`,
      details: { key, size_bytes: sizeBytes, created: !replacing },
    });
    return entryJson(row);
  });
}

/** Delete one key, or every key when `key` is null. */
export async function deleteMemory(db: Database, ctx: AuthContext, sessionId: string, key: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    await lockScope(tx, sessionId);
    await memoryScope(tx, ctx, sessionId, "write");
    const removed = await tx
      .delete(sessionMemory)
      .where(and(eq(sessionMemory.sessionId, sessionId), key === null ? undefined : eq(sessionMemory.key, key)))
      .returning({ key: sessionMemory.key });
    if (key !== null && removed.length === 0) throw AppError.notFound("Memory key");
    if (removed.length === 0) return;
    await recordAudit(tx, {
      eventType: "resource.deleted",
      action: key === null ? "clear_session_memory" : "delete_session_memory",
      ...actorOf(ctx),
      sessionId,
      resourceType: "session_memory",
      resourceId: key === null ? sessionId : `${sessionId}/${key}`,
      details: { keys: removed.map((r) => r.key) },
    });
  });
}
