import { deleteTask, getTask, taskIdParams, updateTask, updateTaskBody } from "@/lib/board";
import { route } from "@/lib/transport/http/handler";

export const GET = route({
  permission: "project:read",
  params: taskIdParams,
  handler: ({ db, ctx, params }) => getTask(db, { ctx, id: params.id }),
});

export const PATCH = route({
  permission: "project:write",
  params: taskIdParams,
  body: updateTaskBody,
  handler: ({ db, ctx, params, body }) => updateTask(db, { ctx, id: params.id, input: body }),
});

export const DELETE = route({
  permission: "project:write",
  params: taskIdParams,
  handler: ({ db, ctx, params }) => deleteTask(db, { ctx, id: params.id }),
});
