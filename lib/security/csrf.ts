import { isIP } from "node:net";
import { AppError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface OriginPolicy {
  /** A reverse proxy we trust sets Host / X-Forwarded-Host (TRUST_PROXY). */
  trustProxy: boolean;
  /** The authority the request was addressed to, when there is no Host header (the request URL's). */
  fallbackHost?: string;
  /** The public base URL (APP_URL), always allowed. */
  appUrl?: string;
}

/**
 * Cookie-authenticated writes must come from our own pages. Browsers send Origin on cross-site
 * requests (and Sec-Fetch-Site), so a foreign or "null" origin is refused; a request without
 * either header is not a browser making a cross-site call.
 *
 * Which host is "ours": APP_URL's; Host and X-Forwarded-Host only behind a trusted proxy. Without
 * one, Host counts only when it is an IP address or localhost — a DNS-rebinding page makes the
 * browser send its own hostname as Host (and as Origin), never an address.
 */
export function assertSameOrigin(req: { method: string; headers: Headers }, policy: OriginPolicy): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  assertBrowserOrigin(req, policy);
}

/** The same check whatever the method: a WebSocket upgrade is a GET that opens a read-write channel. */
export function assertBrowserOrigin(req: { headers: Headers }, policy: OriginPolicy): void {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (!allowedHosts(req.headers, policy).has(hostOf(origin) ?? "\0")) {
      throw new AppError("forbidden", "Cross-site request refused: the Origin header does not match this server (set APP_URL to the address people use)", { origin });
    }
    return;
  }
  if (req.headers.get("sec-fetch-site") === "cross-site") {
    throw new AppError("forbidden", "Cross-site request refused");
  }
}

function allowedHosts(headers: Headers, policy: OriginPolicy): Set<string> {
  const hosts = new Set<string>();
  const appUrl = policy.appUrl ? hostOf(policy.appUrl) : null;
  if (appUrl) hosts.add(appUrl);
  const host = (headers.get("host") ?? policy.fallbackHost)?.toLowerCase();
  if (host && (policy.trustProxy || isAddress(host))) hosts.add(host);
  const forwarded = headers.get("x-forwarded-host");
  if (forwarded && policy.trustProxy) hosts.add(forwarded.split(",")[0]!.trim().toLowerCase());
  return hosts;
}

/** "127.0.0.1:3000", "[::1]:3000", "localhost:3000": not a name DNS rebinding can hand a page. */
function isAddress(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || isIP(name) !== 0;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}
