import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { canActForOthers } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { loadSessionRow } from "./runtime-sessions";

export interface SessionBinding {
  sessionId: string;
  devicePk: string;
}

const isUuid = (value: string) => z.string().uuid().safeParse(value).success;

/**
 * For the seeds' clients that send `session_id` in a body: it must name the session the caller
 * authenticated with (403 otherwise). Callers using an API token or the browser may name one of
 * their own live sessions. A session id is never a credential by itself.
 */
export async function bindSession(db: DbOrTx, ctx: AuthContext, sessionId: string | null | undefined): Promise<SessionBinding | null> {
  if (ctx.session) {
    if (sessionId && sessionId !== ctx.session.id) await denyBinding(db, ctx, sessionId, "session_mismatch");
    return { sessionId: ctx.session.id, devicePk: ctx.session.devicePk };
  }
  if (!sessionId) return null;
  const row = isUuid(sessionId) ? await loadSessionRow(db, sessionId) : undefined;
  if (!row || row.session.userId !== ctx.user.id || row.session.endedAt || row.session.expiresAt <= now() || row.device.trust === "revoked") {
    return denyBinding(db, ctx, sessionId, "session_mismatch");
  }
  return { sessionId: row.session.id, devicePk: row.device.id };
}

/**
 * `session_id` in a query string (task lists, audit activity), bound by the same rule as one in a
 * body, except that reading the history of an ended session of one's own is allowed: a session
 * token names only itself; anyone else names one of their own sessions. Whoever may act for
 * others (admin:users, never on an untrusted device) filters by any session: that is what the
 * audit views are for. Returns the id to filter by (undefined when none was given).
 */
export async function bindSessionFilter(db: DbOrTx, ctx: AuthContext, sessionId: string | null | undefined): Promise<string | undefined> {
  if (!sessionId) return undefined;
  if (canActForOthers(ctx)) return sessionId;
  if (ctx.session) {
    if (sessionId !== ctx.session.id) await denyBinding(db, ctx, sessionId, "session_mismatch");
    return sessionId;
  }
  const row = isUuid(sessionId) ? await loadSessionRow(db, sessionId) : undefined;
  if (!row || row.session.userId !== ctx.user.id) await denyBinding(db, ctx, sessionId, "not_your_session");
  return sessionId;
}

async function denyBinding(db: DbOrTx, ctx: AuthContext, sessionId: string, reason: "session_mismatch" | "not_your_session"): Promise<never> {
  await recordAudit(db, {
    eventType: "permission.denied",
    action: "use_session_id",
    outcome: "denied",
    ...actorOf(ctx),
    resourceType: "session",
    resourceId: isUuid(sessionId) ? sessionId : null,
    details: { reason },
  });
  throw new AppError(
    "forbidden",
    ctx.session ? "session_id does not match the session you authenticated with" : "session_id does not name one of your own sessions",
    { parameter: "session_id" },
  );
}
