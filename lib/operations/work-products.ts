import { projectIdParams } from "../board/schemas";
import { taskIdParams } from "../runtime/schemas";
import { getTaskChanges } from "../workspaces/changes";
import { createPullRequest, createPullRequestBody } from "../workspaces/pull-request";
import { getRepositorySettings, repositorySettingsBody, repositorySettingsSchema, updateRepositorySettings } from "../workspaces/repository-settings";
import { pullRequestSchema, taskChangesSchema } from "../workspaces/schemas";
import { operation } from "./define";

/** What agents produced: a task's changes, its pull request, and the repository settings behind them. */
export const workProductOperations = {
  "tasks.changes": operation({
    method: "GET",
    path: "/api/runtime/tasks/{id}/changes",
    tag: "Runtime tasks",
    summary: "Files the task changed, with stats, the unified diff and its commits",
    description: "Live while the task runs (the working tree as it is now), fixed once it ends. Includes the workspace's branch, retention and the pull request, if any.",
    access: "task:view",
    scope: "own",
    params: taskIdParams,
    output: taskChangesSchema,
    run: ({ ctx, db, params }) => getTaskChanges(db, ctx, params.id),
  }),
  "tasks.pull_request": operation({
    method: "POST",
    path: "/api/runtime/tasks/{id}/pull-request",
    tag: "Runtime tasks",
    summary: "Commit the task's changes, push its branch and open a pull request on GitHub",
    description: "Needs task:submit and project:write. The card (if any) moves to In review. GitHub's errors answer 4xx (bad credential 422, branch exists 409, no changes 422, rate limit 429) and leave the worktree as it is.",
    access: "task:submit",
    scope: "own",
    audits: ["resource.created"],
    params: taskIdParams,
    body: createPullRequestBody,
    status: 201,
    output: pullRequestSchema,
    errors: [409, 429],
    run: ({ ctx, db, params, body }) => createPullRequest(db, ctx, params.id, body),
  }),
  "projects.repository.get": operation({
    method: "GET",
    path: "/api/projects/{id}/repository",
    tag: "Projects",
    summary: "The project's repository settings (the credential only as set/type)",
    access: "project:read",
    params: projectIdParams,
    output: repositorySettingsSchema,
    run: ({ ctx, db, params }) => getRepositorySettings(db, ctx, params.id),
  }),
  "projects.repository.update": operation({
    method: "PUT",
    path: "/api/projects/{id}/repository",
    tag: "Projects",
    summary: "Set the project's GitHub credential (token or App) and base branch",
    description: "The credential is stored encrypted and never shown back; null removes it.",
    access: "project:write",
    audits: ["resource.modified"],
    params: projectIdParams,
    body: repositorySettingsBody,
    output: repositorySettingsSchema,
    run: ({ ctx, db, params, body }) => updateRepositorySettings(db, ctx, params.id, body),
  }),
};
