import { AppError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cookie-authenticated writes must come from our own pages. Browsers send Origin on
 * cross-site requests (and Sec-Fetch-Site), so a foreign or "null" origin is refused; a
 * request without either header is not a browser making a cross-site call.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  assertBrowserOrigin(req);
}

/** The same check whatever the method: a WebSocket upgrade is a GET that opens a read-write channel. */
export function assertBrowserOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (!allowedHosts(req).has(hostOf(origin) ?? "\0")) {
      throw new AppError("forbidden", "Cross-site request refused: the Origin header does not match this server", { origin });
    }
    return;
  }
  if (req.headers.get("sec-fetch-site") === "cross-site") {
    throw new AppError("forbidden", "Cross-site request refused");
  }
}

function allowedHosts(req: Request): Set<string> {
  const hosts = new Set<string>();
  hosts.add(new URL(req.url).host.toLowerCase());
  const host = req.headers.get("host");
  if (host) hosts.add(host.toLowerCase());
  const forwarded = req.headers.get("x-forwarded-host");
  if (forwarded) hosts.add(forwarded.split(",")[0]!.trim().toLowerCase());
  const appUrl = process.env.APP_URL ? hostOf(process.env.APP_URL) : null;
  if (appUrl) hosts.add(appUrl);
  return hosts;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}
