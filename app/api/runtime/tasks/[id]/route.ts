import { localRuntime, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** One task in full, with the pending question while it is WAITING. */
export const GET = route({
  permission: "task:view",
  params: taskIdParams,
  handler: async ({ ctx, params }) => (await localRuntime()).getTask(ctx, params.id),
});
