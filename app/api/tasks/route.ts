import { createTask, createTaskBody, listTasks, listTasksQuery } from "@/lib/board";
import { listResponse } from "@/lib/board/list-response";
import { route } from "@/lib/transport/http/handler";

/** Board tasks, filtered, in board order (column, then position); next page in X-Next-Cursor. */
export const GET = route({
  permission: "project:read",
  query: listTasksQuery,
  handler: async ({ db, ctx, query }) => {
    const page = await listTasks(db, { ctx, query });
    return listResponse(page.tasks, page.nextCursor);
  },
});

/** Creates a card keyed KEY-n from the project's counter. */
export const POST = route({
  permission: "project:write",
  body: createTaskBody,
  status: 201,
  handler: ({ db, ctx, body }) => createTask(db, { ctx, input: body }),
});
