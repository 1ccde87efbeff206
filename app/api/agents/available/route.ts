import { listAvailableAgents } from "@/lib/board/agents";
import { route } from "@/lib/transport/http/handler";

/** The agents the caller can run now: probed available, enabled and allowed by policy (Phase 1). */
export const GET = route({
  permission: "agent:list",
  handler: ({ db, ctx }) => listAvailableAgents(db, { ctx }),
});
