import { listTasksQuery, localRuntime } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** The caller's tasks, newest first (admins: `all=true` for everyone's); filters and a cursor. */
export const GET = route({
  permission: "task:view",
  query: listTasksQuery,
  handler: async ({ ctx, query }) => (await localRuntime()).listTasks(ctx, query),
});
