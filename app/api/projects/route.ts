import { createProject, createProjectBody, listProjects, listProjectsQuery } from "@/lib/board";
import { listResponse } from "@/lib/board/list-response";
import { route } from "@/lib/transport/http/handler";

/** Projects with their task counts by status, ordered by key; next page in X-Next-Cursor. */
export const GET = route({
  permission: "project:read",
  query: listProjectsQuery,
  handler: async ({ db, query }) => {
    const page = await listProjects(db, query);
    return listResponse(page.projects, page.nextCursor);
  },
});

export const POST = route({
  permission: "project:write",
  body: createProjectBody,
  status: 201,
  handler: ({ db, ctx, body }) => createProject(db, { ctx, input: body }),
});
