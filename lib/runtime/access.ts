import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { prebuilt } from "../db/prebuilt";
import { executions, type Execution } from "../db/schema";
import { AppError } from "../errors";
import { canActForOthers } from "../security/authorize";
import type { AuthContext } from "../security/context";

const selectTask = prebuilt<{ taskId: string }, Execution[]>((db) =>
  db.select().from(executions).where(eq(executions.id, sql.placeholder("taskId"))).prepare("visible_task"),
);

/** The task if the caller may see it; unknown and someone else's both answer 404. */
export async function loadVisibleTask(db: DbOrTx, ctx: AuthContext, taskId: string, options: { forUpdate?: boolean } = {}): Promise<Execution> {
  const [task] = options.forUpdate ? await db.select().from(executions).where(eq(executions.id, taskId)).for("update") : await selectTask(db, { taskId });
  if (!task || (task.userId !== ctx.user.id && !canActForOthers(ctx))) throw AppError.notFound("Task");
  return task;
}
