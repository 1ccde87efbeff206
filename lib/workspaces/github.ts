import type { Octokit } from "@octokit/rest";
import { env } from "../env";
import { AppError } from "../errors";

/**
 * The REST client for a token, on GITHUB_API_URL (GitHub Enterprise: https://host/api/v3). Octokit
 * loads on first use: the worker imports this module on every node, few ever call GitHub.
 */
export async function githubClient(token: string | undefined): Promise<Octokit> {
  const { Octokit } = await import("@octokit/rest");
  return new Octokit({ auth: token, baseUrl: env().GITHUB_API_URL.replace(/\/+$/, ""), userAgent: "coderClawLink", request: { retries: 0 } });
}

interface GithubFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string; errors?: Array<{ message?: string; code?: string }> } };
}

/** GitHub's answer as a clear 4xx: bad credential, missing repository, rate limit, validation. */
export function githubError(error: unknown, what: string): AppError {
  const e = error as GithubFailure;
  const status = e.status;
  const data = e.response?.data;
  const details = [data?.message, ...(data?.errors ?? []).map((x) => x.message ?? x.code)].filter(Boolean).join("; ");
  const headers = e.response?.headers ?? {};
  if (status === 401) return new AppError("validation_failed", `GitHub rejected the credential while ${what} (401 Bad credentials): set a valid token for the project`, { github_status: 401 });
  if ((status === 403 || status === 429) && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(details))) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : undefined;
    return new AppError("rate_limited", `GitHub's rate limit is used up${when ? `; it resets at ${when}` : ""}. Try again later`, { github_status: status, ...(when ? { reset_at: when } : {}) }, when ? { "retry-after": String(Math.max(1, Math.ceil((reset * 1000 - Date.now()) / 1000))) } : undefined);
  }
  if (status === 403) return new AppError("forbidden", `GitHub refused ${what} (403): the credential may not write to this repository${details ? ` — ${details}` : ""}`, { github_status: 403 });
  if (status === 404) return new AppError("validation_failed", `GitHub says the repository or branch does not exist, or the credential cannot see it (404) while ${what}`, { github_status: 404 });
  if (status === 422) return new AppError("conflict", `GitHub could not create it: ${details || "validation failed"}`, { github_status: 422 });
  return new AppError("unavailable", `GitHub did not answer ${what}${status ? ` (HTTP ${status})` : ""}: ${details || (e.message ?? "unknown error")}`, { github_status: status ?? null });
}
