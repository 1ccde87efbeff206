/** A GitHub repository named by a project's `github_url`. */
export interface GithubRepoRef {
  owner: string;
  repo: string;
}

// GitHub's own limits: owners are 1–39 alphanumerics or single hyphens (no leading hyphen);
// repository names are 1–100 of letters, digits, '.', '-', '_', and never "." or "..".
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

const HTTPS = /^https:\/\/(?:www\.)?github\.com\/([^/]+)\/([^/?#]+?)\/?$/i;
const SSH = /^git@github\.com:([^/]+)\/([^/]+?)$/i;

/**
 * Parse the two URL forms a project may name its repository with:
 * `https://github.com/owner/repo` (optionally ending in `.git` or `/`) and
 * `git@github.com:owner/repo.git`. Anything else (other hosts, extra path segments,
 * query strings, credentials) returns null so the caller can answer 422.
 */
export function parseGithubUrl(input: string): GithubRepoRef | null {
  const url = input.trim();
  const match = HTTPS.exec(url) ?? SSH.exec(url);
  if (!match) return null;
  const owner = match[1];
  const repo = match[2].replace(/\.git$/i, "");
  if (!OWNER.test(owner) || !REPO.test(repo) || repo === "." || repo === "..") return null;
  return { owner, repo };
}
