import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { executions, type Execution } from "../db/schema";
import { AppError } from "../errors";
import { isAdmin, type AuthContext } from "../security/context";

/** Admins see every task; everyone else only their own. */
export function canSeeAll(ctx: AuthContext): boolean {
  return isAdmin(ctx);
}

/** The task if the caller may see it; unknown and someone else's both answer 404. */
export async function loadVisibleTask(db: DbOrTx, ctx: AuthContext, taskId: string, options: { forUpdate?: boolean } = {}): Promise<Execution> {
  const query = db.select().from(executions).where(eq(executions.id, taskId));
  const [task] = options.forUpdate ? await query.for("update") : await query;
  if (!task || (task.userId !== ctx.user.id && !canSeeAll(ctx))) throw AppError.notFound("Task");
  return task;
}

/** Audit fields describing the caller. */
export function actorOf(ctx: AuthContext) {
  return { actorUserId: ctx.user.id, sessionId: ctx.session?.id ?? null, deviceId: ctx.session?.deviceId ?? null, ip: ctx.ip };
}
