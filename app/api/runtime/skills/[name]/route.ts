import { z } from "zod";
import { deleteSkill, getSkillFor, setSkillEnabled, skillNameSchema } from "@/lib/skills";
import { route } from "@/lib/transport/http/handler";

const params = z.object({ name: skillNameSchema });

export const GET = route({
  permission: "skill:list",
  params,
  handler: async ({ ctx, db, params }) => getSkillFor(db, ctx, params.name),
});

export const PATCH = route({
  permission: "skill:install",
  params,
  body: z.object({ enabled: z.boolean() }).strict(),
  handler: async ({ ctx, db, params, body }) => {
    await setSkillEnabled(db, ctx, params.name, body.enabled);
    return getSkillFor(db, ctx, params.name);
  },
});

export const DELETE = route({
  permission: "skill:install",
  params,
  handler: async ({ ctx, db, params }) => {
    await deleteSkill(db, ctx, params.name);
    return undefined;
  },
});
