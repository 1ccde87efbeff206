import { listAgentConfigs } from "@/lib/agents";
import { route } from "@/lib/transport/http/handler";

/** Every agent's configuration (secrets only as {set, source}), for the admin page. */
export const GET = route({
  permission: "agent:configure",
  handler: async ({ db }) => ({ agents: await listAgentConfigs(db) }),
});
