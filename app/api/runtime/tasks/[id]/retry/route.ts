import { localRuntime, retryTaskBody, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** Run a finished task again as a new task (retry_of points back); 202 like submit. */
export const POST = route({
  permission: "task:submit",
  params: taskIdParams,
  body: retryTaskBody,
  status: 202,
  handler: async ({ ctx, params, body }) => (await localRuntime()).retryTask(ctx, params.id, body),
});
