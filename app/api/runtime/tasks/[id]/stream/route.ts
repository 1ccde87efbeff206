import { localRuntime, streamQuery, taskIdParams } from "@/lib/runtime";
import { sseResponse } from "@/lib/runtime/sse";
import { route } from "@/lib/transport/http/handler";

/** Server-Sent Events: the task's log from `Last-Event-ID` (or ?after=), live, until its terminal state. */
export const GET = route({
  permission: "task:view",
  params: taskIdParams,
  query: streamQuery,
  handler: async ({ req, ctx, params, query }) => {
    const lastEventId = Number.parseInt(req.headers.get("last-event-id") ?? "", 10);
    const after = Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (query.after ?? 0);
    // Ends the stream when the client disconnects (req.signal) or the response body is cancelled.
    const stop = new AbortController();
    req.signal.addEventListener("abort", () => stop.abort(), { once: true });
    const events = await (await localRuntime()).streamTaskUpdates(ctx, params.id, { after, signal: stop.signal });
    return sseResponse(events, stop);
  },
});
