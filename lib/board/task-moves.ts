import { and, asc, desc, eq, gt, lt, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { boardTasks, projects, type BoardStatus } from "../db/schema";
import { AppError } from "../errors";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { auditBoardChange } from "./audit";
import { POSITION_STEP, positionBetween } from "./positions";
import type { BoardTaskJson, MoveTaskBody } from "./schemas";
import { endOfColumn, findTask, toTaskJson } from "./tasks";

interface Column {
  projectId: string;
  status: BoardStatus;
  /** The card being moved, left out of its own neighbours. */
  movingId: string;
}

function inColumn(c: Column) {
  return and(eq(boardTasks.projectId, c.projectId), eq(boardTasks.status, c.status), ne(boardTasks.id, c.movingId));
}

/** A neighbour named by before_id/after_id: it must be another card in the target column. */
async function neighbour(tx: DbOrTx, c: Column, id: string, field: "before_id" | "after_id"): Promise<number> {
  if (id === c.movingId) throw new AppError("validation_failed", `${field} cannot be the card being moved`, { field });
  const [row] = await tx
    .select({ position: boardTasks.position })
    .from(boardTasks)
    .where(and(eq(boardTasks.id, id), inColumn(c)))
    .limit(1);
  if (!row) throw new AppError("validation_failed", `${field} names no card in the ${c.status} column of this project`, { field });
  return row.position;
}

async function positionAbove(tx: DbOrTx, c: Column, below: number): Promise<number | null> {
  const [row] = await tx
    .select({ position: boardTasks.position })
    .from(boardTasks)
    .where(and(inColumn(c), lt(boardTasks.position, below)))
    .orderBy(desc(boardTasks.position))
    .limit(1);
  return row?.position ?? null;
}

async function positionBelow(tx: DbOrTx, c: Column, above: number): Promise<number | null> {
  const [row] = await tx
    .select({ position: boardTasks.position })
    .from(boardTasks)
    .where(and(inColumn(c), gt(boardTasks.position, above)))
    .orderBy(asc(boardTasks.position))
    .limit(1);
  return row?.position ?? null;
}

/** Respace a column evenly (in its current order) when two neighbours have no room between them. */
async function renumberColumn(tx: DbOrTx, c: Column): Promise<void> {
  await tx.execute(sql`
    update ${boardTasks} set position = ranked.rn * ${POSITION_STEP}::double precision
    from (
      select id, row_number() over (order by position, id) as rn
      from ${boardTasks}
      where project_id = ${c.projectId} and status = ${c.status}::board_status and id <> ${c.movingId}
    ) as ranked
    where ${boardTasks.id} = ranked.id`);
}

async function targetPosition(tx: DbOrTx, c: Column, input: MoveTaskBody): Promise<number | null> {
  if (input.before_id && input.after_id) {
    if (input.before_id === input.after_id) throw new AppError("validation_failed", "before_id and after_id must name different cards", { field: "before_id" });
    const above = await neighbour(tx, c, input.after_id, "after_id");
    const below = await neighbour(tx, c, input.before_id, "before_id");
    if (above > below) throw new AppError("validation_failed", "after_id must be above before_id in the column", { field: "after_id" });
    return positionBetween(above, below);
  }
  if (input.before_id) {
    const below = await neighbour(tx, c, input.before_id, "before_id");
    return positionBetween(await positionAbove(tx, c, below), below);
  }
  if (input.after_id) {
    const above = await neighbour(tx, c, input.after_id, "after_id");
    return positionBetween(above, await positionBelow(tx, c, above));
  }
  return endOfColumn(tx, { projectId: c.projectId, status: c.status });
}

/**
 * Move a card to a column, between two neighbours (drag and drop). The position is computed
 * from the neighbours' current positions; when floating point runs out of room the column is
 * respaced and the position computed again.
 */
export async function moveTask(
  db: DbOrTx,
  { ctx, id, input }: { ctx: AuthContext; id: string; input: MoveTaskBody },
): Promise<BoardTaskJson> {
  await authorize(ctx, "project:write");
  // Neighbour reads, any respacing and the move are one unit; locking the project row
  // serialises reorders within a project so two drags cannot interleave their reads.
  const row = await db.transaction(async (tx) => {
    const current = await findTask(tx, { id });
    if (!current) throw AppError.notFound("Task");
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, current.projectId)).for("no key update");
    const column: Column = { projectId: current.projectId, status: input.status, movingId: id };
    let position = await targetPosition(tx, column, input);
    if (position === null) {
      await renumberColumn(tx, column);
      position = await targetPosition(tx, column, input);
    }
    if (position === null) throw new AppError("conflict", "Could not place the card between its neighbours; reload the board and retry");
    const [updated] = await tx
      .update(boardTasks)
      .set({ status: input.status, position, updatedAt: new Date() })
      .where(eq(boardTasks.id, id))
      .returning();
    if (!updated) throw AppError.notFound("Task");
    await auditBoardChange(tx, ctx, {
      eventType: "resource.modified",
      action: "board_task.move",
      resourceType: "board_task",
      resourceId: id,
      details: { key: current.key, from_status: current.status, to_status: input.status, position },
    });
    return { ...updated, projectKey: current.projectKey };
  });
  return toTaskJson(row);
}
