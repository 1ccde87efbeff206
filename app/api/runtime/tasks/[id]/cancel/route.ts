import { localRuntime, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** Cancel: PENDING/WAITING at once; a running task's worker is told to abort the agent. */
export const POST = route({
  permission: "task:cancel",
  params: taskIdParams,
  handler: async ({ ctx, params }) => (await localRuntime()).cancelTask(ctx, params.id),
});
