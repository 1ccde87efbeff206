import { listAvailableAgents } from "@/lib/board/agents";
import { localRuntime } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** The agents the caller can run now: probed available, enabled and allowed by policy (Phase 1). */
export const GET = route({
  permission: "agent:list",
  handler: async ({ db, ctx }) => listAvailableAgents(db, { ctx, runtime: await localRuntime() }),
});
