import { moveTask, moveTaskBody, taskIdParams } from "@/lib/board";
import { route } from "@/lib/transport/http/handler";

/** Drag and drop: move a card to a column, between before_id/after_id neighbours. */
export const POST = route({
  permission: "project:write",
  params: taskIdParams,
  body: moveTaskBody,
  handler: ({ db, ctx, params, body }) => moveTask(db, { ctx, id: params.id, input: body }),
});
