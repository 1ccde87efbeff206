import { z } from "zod";
import { ollamaModelsFor } from "@/lib/agents";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/transport/http/handler";

const params = z.object({ type: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be an agent type") });

/** Models the agent's backend offers (Ollama: GET /api/tags), for the model picker. */
export const GET = route({
  permission: "agent:configure",
  params,
  handler: async ({ db, params }) => {
    if (params.type !== "ollama") throw new AppError("not_found", `${params.type} has no model list`);
    try {
      return { models: await ollamaModelsFor(db) };
    } catch (error) {
      throw new AppError("unavailable", error instanceof Error ? error.message : "Ollama did not answer");
    }
  },
});
