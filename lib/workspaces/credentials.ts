import { z } from "zod";
import { decryptSecrets, encryptSecrets } from "../agents/secrets";
import type { Project } from "../db/schema";
import { env } from "../env";
import { AppError } from "../errors";

/** What a project may be given to reach its repository: a token, or a GitHub App installation. */
export const repoCredentialSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("token"), token: z.string().min(1).max(1000) }).strict(),
  z
    .object({
      type: z.literal("app"),
      app_id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]),
      installation_id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]),
      private_key: z.string().min(1).max(20_000).refine((k) => k.includes("PRIVATE KEY"), "must be a PEM private key"),
    })
    .strict(),
]);
export type RepoCredential = z.infer<typeof repoCredentialSchema>;

// The project id is the associated data: a ciphertext copied onto another project fails to decrypt.
const aad = (projectId: string) => `project-repository:${projectId}`;

export function encryptCredential(projectId: string, credential: RepoCredential): string {
  return encryptSecrets(aad(projectId), { credential: JSON.stringify(credential) });
}

function decryptCredential(project: Pick<Project, "id" | "repoCredentialEncrypted">): RepoCredential | null {
  if (!project.repoCredentialEncrypted) return null;
  try {
    return repoCredentialSchema.parse(JSON.parse(decryptSecrets(aad(project.id), project.repoCredentialEncrypted).credential));
  } catch {
    throw new AppError("validation_failed", "The project's repository credential cannot be read (was CLAWLINK_ENCRYPTION_KEY or AUTH_SECRET changed?); enter it again");
  }
}

/** Never the secret: whether one is set and of which kind. */
export function credentialSummary(project: Pick<Project, "id" | "repoCredentialEncrypted">): { set: boolean; type: "token" | "app" | null; source: "project" | "environment" | null } {
  if (project.repoCredentialEncrypted) {
    try {
      return { set: true, type: decryptCredential(project)?.type ?? null, source: "project" };
    } catch {
      return { set: false, type: null, source: null };
    }
  }
  return env().GITHUB_TOKEN ? { set: true, type: "token", source: "environment" } : { set: false, type: null, source: null };
}

/** A token for git and the REST API: the project's own (an App's installation token), else GITHUB_TOKEN. */
export async function repositoryToken(project: Pick<Project, "id" | "repoCredentialEncrypted">): Promise<string | undefined> {
  const credential = decryptCredential(project);
  if (!credential) return env().GITHUB_TOKEN;
  if (credential.type === "token") return credential.token;
  // Loaded here, not at the top: only a project with a GitHub App credential needs them.
  const [{ createAppAuth }, { Octokit }] = await Promise.all([import("@octokit/auth-app"), import("@octokit/rest")]);
  const auth = createAppAuth({
    appId: credential.app_id,
    privateKey: credential.private_key,
    installationId: credential.installation_id,
    request: new Octokit({ baseUrl: env().GITHUB_API_URL }).request,
  });
  try {
    return (await auth({ type: "installation" })).token;
  } catch (error) {
    const status = (error as { status?: number }).status;
    throw new AppError("validation_failed", `GitHub refused the App credential${status ? ` (HTTP ${status})` : ""}: check the App id, installation id and private key`);
  }
}

/** git configuration that sends the token as a header, so it is never written to a URL or .git/config. */
export function gitAuthConfig(token: string | undefined): string[] {
  if (!token) return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return ["-c", `http.extraHeader=Authorization: Basic ${basic}`];
}
