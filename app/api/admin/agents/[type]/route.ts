import { z } from "zod";
import { agentConfigUpdateSchema, getAgentConfig, updateAgentConfig } from "@/lib/agents";
import { route } from "@/lib/transport/http/handler";

const params = z.object({ type: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be an agent type") });

/** One agent's configuration; secrets appear only as {set, source}. */
export const GET = route({
  permission: "agent:configure",
  params,
  handler: async ({ db, params }) => getAgentConfig(db, params.type),
});

/** Change settings/secrets/enabled; null resets a value. Audited as agent.configured. */
export const PUT = route({
  permission: "agent:configure",
  params,
  body: agentConfigUpdateSchema,
  handler: async ({ db, ctx, params, body }) => updateAgentConfig(db, ctx, params.type, body),
});
