import { env } from "../env";

export interface LinkBase {
  /** Scheme and host the link starts with, no trailing slash. */
  base: string;
  /** Shown beside the link when it may not be the address the recipient can reach. */
  warning: string | null;
}

/**
 * Where a one-time link (invite, password reset) points: APP_URL when set; otherwise the address
 * the admin is browsing at (the request's origin). Without APP_URL, a link that names a loopback
 * address, or one built without any request, may not open for anyone else: say so.
 */
export function linkBase(requestOrigin: string | null): LinkBase {
  const e = env();
  if (e.APP_URL) return { base: e.APP_URL.replace(/\/$/, ""), warning: null };
  const base = (requestOrigin ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, "");
  if (!requestOrigin) return { base, warning: `APP_URL is not set, so this link uses ${base}; set APP_URL to the address people reach the portal at.` };
  if (isLoopback(base)) return { base, warning: `This link uses ${base}, which opens only on this machine; set APP_URL (or browse at the shared address) before sending it.` };
  return { base, warning: null };
}

function isLoopback(base: string): boolean {
  try {
    const host = new URL(base).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}
