import type { DbOrTx } from "../db/client";
import { AppError } from "../errors";
import { canActForOthers } from "./authorize";
import type { AuthContext } from "./context";
import { loadSessionRow } from "./runtime-sessions";

/** A user's activity: their own, or anyone's with admin:users. Otherwise 404. */
export function assertMayReadUserActivity(ctx: AuthContext, userId: string): void {
  if (userId !== ctx.user.id && !canActForOthers(ctx)) throw AppError.notFound("User");
}

/** A session's activity: its owner's, or an admin's (who may also read sessions since deleted). */
export async function assertMayReadSessionActivity(db: DbOrTx, ctx: AuthContext, sessionId: string): Promise<void> {
  if (canActForOthers(ctx)) return;
  const row = await loadSessionRow(db, sessionId);
  if (!row || row.session.userId !== ctx.user.id) throw AppError.notFound("Session");
}
