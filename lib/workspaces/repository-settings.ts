import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { projects } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { credentialSummary, encryptCredential, repoCredentialSchema } from "./credentials";

export const repositorySettingsBody = z
  .object({
    /** A token or GitHub App for this project; null removes it. Never sent back. */
    credential: repoCredentialSchema.nullable().optional(),
    /** The branch task worktrees start from; null: the repository's default branch. */
    default_branch: z
      .string()
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/, "must be a branch name")
      .nullable()
      .optional(),
  })
  .strict();
export type RepositorySettingsBody = z.infer<typeof repositorySettingsBody>;

export const repositorySettingsSchema = z.object({
  project_id: z.string(),
  github_url: z.string().nullable(),
  local_path_is_set: z.boolean(),
  default_branch: z.string().nullable(),
  credential: z.object({ set: z.boolean(), type: z.enum(["token", "app"]).nullable(), source: z.enum(["project", "environment"]).nullable() }),
});
export type RepositorySettings = z.infer<typeof repositorySettingsSchema>;

async function load(db: Database, projectId: string) {
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  if (!project) throw AppError.notFound("Project");
  return project;
}

function view(project: Awaited<ReturnType<typeof load>>): RepositorySettings {
  return {
    project_id: project.id,
    github_url: project.githubUrl,
    local_path_is_set: project.localPath !== null,
    default_branch: project.defaultBranch,
    credential: credentialSummary(project),
  };
}

export async function getRepositorySettings(db: Database, ctx: AuthContext, projectId: string): Promise<RepositorySettings> {
  await authorize(ctx, "project:read");
  return view(await load(db, projectId));
}

/** Set the project's repository credential and base branch; audited by name only, never the secret. */
export async function updateRepositorySettings(db: Database, ctx: AuthContext, projectId: string, input: RepositorySettingsBody): Promise<RepositorySettings> {
  await authorize(ctx, "project:write");
  await load(db, projectId);
  const changes = {
    ...(input.credential !== undefined ? { repoCredentialEncrypted: input.credential === null ? null : encryptCredential(projectId, input.credential) } : {}),
    ...(input.default_branch !== undefined ? { defaultBranch: input.default_branch } : {}),
  };
  // The change and its audit row commit together.
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx.update(projects).set({ ...changes, updatedAt: new Date() }).where(eq(projects.id, projectId)).returning();
    await recordAudit(tx, {
      eventType: "resource.modified",
      action: "project.repository_update",
      ...actorOf(ctx),
      resourceType: "project",
      resourceId: projectId,
      details: { credential: input.credential === undefined ? "unchanged" : input.credential === null ? "removed" : `set (${input.credential.type})`, default_branch: input.default_branch },
    });
    return row;
  });
  return view(updated);
}
