import { eventsQuery, localRuntime, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** A page of the task's log after seq `after`. */
export const GET = route({
  permission: "task:view",
  params: taskIdParams,
  query: eventsQuery,
  handler: async ({ ctx, params, query }) => (await localRuntime()).listEvents(ctx, params.id, query),
});
