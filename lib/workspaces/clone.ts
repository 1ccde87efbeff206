import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Database } from "../db/client";
import type { Project } from "../db/schema";
import { env } from "../env";
import { AppError } from "../errors";
import { log } from "../log";
import { gitAuthConfig, repositoryToken } from "./credentials";
import { git, serialised } from "./git";

/** Where a project's GitHub repository is cloned on this node. */
export function clonePath(projectId: string): string {
  return path.resolve(env().DATA_DIR, "repos", projectId);
}

export function cloneUrl(project: Pick<Project, "githubOwner" | "githubRepo">): string {
  return `${env().GITHUB_GIT_URL.replace(/\/+$/, "")}/${project.githubOwner}/${project.githubRepo}.git`;
}

/**
 * The project's repository cloned into DATA_DIR (with its credential), fetched again when it
 * exists already so new worktrees start from the remote's latest commits.
 */
export async function ensureClone(_db: Database, project: Project): Promise<string> {
  const dir = clonePath(project.id);
  return serialised(dir, async () => {
    const auth = gitAuthConfig(await repositoryToken(project));
    try {
      if (existsSync(path.join(dir, ".git"))) {
        await git({ dir }, [...auth, "fetch", "--quiet", "--prune", "origin"]);
      } else {
        await mkdir(path.dirname(dir), { recursive: true });
        await git({ dir: path.dirname(dir) }, [...auth, "clone", "--quiet", cloneUrl(project), dir]);
        log.info({ projectId: project.id, repo: `${project.githubOwner}/${project.githubRepo}` }, "repository cloned");
      }
    } catch (error) {
      // git's message may quote the URL, never the header: safe to show.
      throw new AppError("unavailable", `Could not get ${project.githubOwner}/${project.githubRepo}: ${firstLine(error)}`);
    }
    return dir;
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n").map((l) => l.trim()).find(Boolean) ?? "git failed";
}
