import { listAgentsFor } from "@/lib/agents";
import { route } from "@/lib/transport/http/handler";

/** Every agent this node knows, with availability and the reason when it cannot run. */
export const GET = route({
  permission: "agent:list",
  handler: async ({ db, ctx }) => ({ agents: await listAgentsFor(db, ctx) }),
});
