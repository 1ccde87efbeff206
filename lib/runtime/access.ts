import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { executions, type Execution } from "../db/schema";
import { AppError } from "../errors";
import { canActForOthers } from "../security/authorize";
import type { AuthContext } from "../security/context";

/** The task if the caller may see it; unknown and someone else's both answer 404. */
export async function loadVisibleTask(db: DbOrTx, ctx: AuthContext, taskId: string, options: { forUpdate?: boolean } = {}): Promise<Execution> {
  const query = db.select().from(executions).where(eq(executions.id, taskId));
  const [task] = options.forUpdate ? await query.for("update") : await query;
  if (!task || (task.userId !== ctx.user.id && !canActForOthers(ctx))) throw AppError.notFound("Task");
  return task;
}
