import { deleteProject, getProject, projectIdParams, updateProject, updateProjectBody } from "@/lib/board";
import { route } from "@/lib/transport/http/handler";

export const GET = route({
  permission: "project:read",
  params: projectIdParams,
  handler: ({ db, params }) => getProject(db, { id: params.id }),
});

export const PATCH = route({
  permission: "project:write",
  params: projectIdParams,
  body: updateProjectBody,
  handler: ({ db, ctx, params, body }) => updateProject(db, { ctx, id: params.id, input: body }),
});

/** Deletes the project and its board tasks; runtime tasks started from them are kept, unlinked. */
export const DELETE = route({
  permission: "project:delete",
  params: projectIdParams,
  handler: ({ db, ctx, params }) => deleteProject(db, { ctx, id: params.id }),
});
