import { localRuntime, submitTaskBody } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** Queue a task for an agent; answers 202 at once with the task id and state. */
export const POST = route({
  permission: "task:submit",
  body: submitTaskBody,
  status: 202,
  handler: async ({ ctx, body }) => (await localRuntime()).submitTask(ctx, body),
});
