import { localRuntime, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** The seeds' state query: state, success, result, error, timings. */
export const GET = route({
  permission: "task:view",
  params: taskIdParams,
  handler: async ({ ctx, params }) => (await localRuntime()).queryTaskState(ctx, params.id),
});
