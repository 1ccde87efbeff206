import { executeTaskBody, executeTaskQuery } from "@/lib/board";
import { executeBoardTask, MAX_WAIT_SECONDS } from "@/lib/board/execute";
import { localRuntime } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/**
 * Phase 1: run an agent on a board card. 202 with the runtime task id at once, or with
 * wait=true (body or query) the finished run's result (202 + timed_out if it outlives the wait).
 */
export const POST = route({
  permission: "task:submit",
  query: executeTaskQuery,
  body: executeTaskBody,
  handler: async ({ req, db, ctx, query, body }) => {
    const outcome = await executeBoardTask(db, {
      ctx,
      runtime: await localRuntime(),
      input: body,
      wait: body.wait ?? query.wait ?? false,
      waitSeconds: body.wait_timeout_s ?? query.wait_timeout_s ?? MAX_WAIT_SECONDS,
      signal: req.signal,
    });
    return Response.json(outcome.body, { status: outcome.status });
  },
});
