import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Database } from "../../db/client";
import { AppError } from "../../errors";
import { env } from "../../env";
import { authenticate, type CallerMeta } from "../../security/authenticate";
import type { AuthContext } from "../../security/context";
import { credentialFromHeaders, refuseCredentialsInUrl } from "../../security/credentials";
import { assertBrowserOrigin } from "../../security/csrf";
import { clientIp } from "../../security/request-meta";

/**
 * The one place the WebSocket transport authenticates, through lib/security's authenticate():
 * - on the upgrade: `Authorization: Bearer …` (a bad one answers 401 before the handshake), or the
 *   portal's session cookie, which must come with our own Origin (a page on another site must
 *   not ride the cookie: cross-site WebSocket hijacking); credentials in the URL answer 400;
 * - or later, from an `auth` frame's token, with the upgrade's address and user agent.
 */
export interface UpgradeCredentials {
  trustProxy: boolean;
}

/** Who the upgrade request proves to be; null when it carries no credential (an `auth` frame must follow). */
export async function authenticateUpgrade(db: Database, req: IncomingMessage, opts: UpgradeCredentials): Promise<AuthContext | null> {
  const request = upgradeRequest(req, opts, { keepCredentials: true });
  refuseCredentialsInUrl(new URL(request.url).searchParams);
  const credential = await credentialFromHeaders(request.headers, { secureCookie: new URL(request.url).protocol === "https:" });
  if (credential?.kind === "browser") assertBrowserOrigin(request, { trustProxy: opts.trustProxy, appUrl: env().APP_URL, fallbackHost: new URL(request.url).host });
  return authenticate(credential, callerMeta(db, request));
}

/** Who an `auth` frame's token proves to be; throws 401 when it proves nothing. */
export async function authenticateToken(db: Database, req: IncomingMessage, token: string, opts: UpgradeCredentials): Promise<AuthContext> {
  const request = upgradeRequest(req, opts, { keepCredentials: false });
  const ctx = await authenticate({ kind: "bearer", token }, callerMeta(db, request));
  if (!ctx) throw new AppError("unauthenticated", "The token was not accepted");
  return ctx;
}

function callerMeta(db: Database, request: Request): CallerMeta {
  return { db, requestId: randomUUID(), ip: clientIp(request.headers), userAgent: request.headers.get("user-agent") };
}

/** The upgrade as a Fetch Request: its headers and the URL it was addressed to. */
function upgradeRequest(req: IncomingMessage, opts: UpgradeCredentials, { keepCredentials }: { keepCredentials: boolean }): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (!keepCredentials && (name === "authorization" || name === "cookie")) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(upgradeUrl(req, opts), { headers });
}

/** The base URL the client reached this node at (scheme and host of the upgrade). */
export function upgradeOrigin(req: IncomingMessage, opts: UpgradeCredentials): string {
  return upgradeUrl(req, opts).origin;
}

function upgradeUrl(req: IncomingMessage, opts: UpgradeCredentials): URL {
  const forwardedProto = opts.trustProxy ? String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]?.trim() : "";
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const protocol = forwardedProto === "https" || encrypted ? "https" : "http";
  // Only the path and query of the request target: "//other.host/…" must not change the host the Origin is checked against.
  const target = new URL(req.url ?? "/", "http://localhost");
  const pathAndQuery = target.pathname + target.search;
  try {
    return new URL(pathAndQuery, `${protocol}://${req.headers.host ?? "localhost"}`);
  } catch {
    return new URL(pathAndQuery, `${protocol}://localhost`);
  }
}
