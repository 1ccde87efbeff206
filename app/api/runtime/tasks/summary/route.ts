import { summarizeTasks, summaryQuerySchema } from "@/lib/runtime/summary";
import { route } from "@/lib/transport/http/handler";

/** Dashboard numbers: counts by state, finished per hour, per-agent success rate and median duration. */
export const GET = route({
  permission: "task:view",
  query: summaryQuerySchema,
  handler: ({ ctx, db, query }) => summarizeTasks(db, ctx, query),
});
