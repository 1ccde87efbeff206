import { z } from "zod";
import { localRuntime } from "@/lib/runtime";
import { getSkillFor, installSkillFromRequest } from "@/lib/skills";
import { route } from "@/lib/transport/http/handler";

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Discovery goes through the runtime contract, like every other transport's. */
export const GET = route({
  permission: "skill:list",
  handler: async ({ ctx }) => (await localRuntime()).listSkills(ctx),
});

/** Install from an uploaded archive (body read by lib/skills with its size limit) or a server path. */
export const POST = route({
  permission: "skill:install",
  query: z.object({ replace: flag.optional() }),
  status: 201,
  handler: async ({ req, ctx, db, query }) => {
    const result = await installSkillFromRequest(db, ctx, req, { replace: query.replace });
    return { ...(await getSkillFor(db, ctx, result.skill.name)), replaced: result.replaced };
  },
});
