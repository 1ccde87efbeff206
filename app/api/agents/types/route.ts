import { listAgentTypes } from "@/lib/board/agents";
import { route } from "@/lib/transport/http/handler";

/** Every agent type this node knows, with display name and description (Phase 1). */
export const GET = route({
  permission: "agent:list",
  handler: async () => listAgentTypes(),
});
