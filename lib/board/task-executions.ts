import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { executions } from "../db/schema";
import { canActForOthers } from "../security/authorize";
import type { AuthContext } from "../security/context";
import type { BoardTaskDetailJson } from "./schemas";

export type ExecutionSummary = BoardTaskDetailJson["executions"][number];

const summaryColumns = {
  boardTaskId: executions.boardTaskId,
  id: executions.id,
  agentType: executions.agentType,
  state: executions.state,
  createdAt: executions.createdAt,
  finishedAt: executions.finishedAt,
};

type SummaryRow = { id: string; agentType: string; state: ExecutionSummary["state"]; createdAt: Date; finishedAt: Date | null };

function toSummary(row: SummaryRow): ExecutionSummary {
  return {
    task_id: row.id,
    agent_type: row.agentType,
    state: row.state,
    created_at: row.createdAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

// Runtime tasks belong to whoever submitted them: a card shows the caller's own runs,
// or everyone's to an admin, the same isolation the runtime API applies.
function visibleTo(ctx: AuthContext): SQL | undefined {
  return canActForOthers(ctx) ? undefined : eq(executions.userId, ctx.user.id);
}

/** The newest visible runtime task per board task. */
export async function latestExecutions(
  db: DbOrTx,
  { ctx, boardTaskIds }: { ctx: AuthContext; boardTaskIds: string[] },
): Promise<Map<string, ExecutionSummary>> {
  const result = new Map<string, ExecutionSummary>();
  if (boardTaskIds.length === 0) return result;
  const rows = await db
    .selectDistinctOn([executions.boardTaskId], summaryColumns)
    .from(executions)
    .where(and(inArray(executions.boardTaskId, boardTaskIds), visibleTo(ctx)))
    .orderBy(executions.boardTaskId, desc(executions.createdAt), desc(executions.id));
  for (const row of rows) if (row.boardTaskId) result.set(row.boardTaskId, toSummary(row));
  return result;
}

/** Up to `limit` visible runtime tasks started from one card, newest first. */
export async function executionsForTask(
  db: DbOrTx,
  { ctx, boardTaskId, limit = 20 }: { ctx: AuthContext; boardTaskId: string; limit?: number },
): Promise<ExecutionSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(executions)
    .where(and(eq(executions.boardTaskId, boardTaskId), visibleTo(ctx)))
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(limit);
  return rows.map(toSummary);
}
