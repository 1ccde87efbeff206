import { getToken } from "next-auth/jwt";
import { AppError } from "../errors";

/**
 * What a caller presented, whatever the transport: a bearer secret (API token or runtime session
 * token: a header, a WebSocket `auth` frame, the CLI's config), or a browser session the
 * transport already decoded from its cookie. `authenticate` turns it into an AuthContext.
 */
export type Credential =
  | { kind: "bearer"; token: string }
  | {
      kind: "browser";
      userId: string;
      /** The server-side browser session the cookie names (`sid`); refused when missing or ended. */
      sessionId: string | null;
      /** The decoded session token, when the transport had it. */
      claims?: Record<string, unknown>;
    };

export function unauthenticated(message: string): AppError {
  return new AppError("unauthenticated", message, undefined, { "www-authenticate": 'Bearer realm="coderclawlink"' });
}

/**
 * The credential in a set of HTTP headers (a request's, or a WebSocket upgrade's): an
 * `Authorization: Bearer` header wins and never falls back to the cookie; otherwise the
 * next-auth session cookie. Null when there is neither.
 */
export async function credentialFromHeaders(headers: Headers, opts: { secureCookie: boolean }): Promise<Credential | null> {
  const bearer = bearerToken(headers.get("authorization"));
  if (bearer !== null) return { kind: "bearer", token: bearer };
  return browserCredential(headers, opts.secureCookie);
}

/** The bearer secret, or null when the header is absent; a malformed or empty one is refused (401). */
export function bearerToken(header: string | null): string | null {
  if (header === null) return null;
  const match = /^Bearer[ ]+(\S*)\s*$/i.exec(header);
  if (!match) throw unauthenticated("The Authorization header must be `Bearer <token>`");
  if (!match[1]) throw unauthenticated("The bearer token is empty");
  return match[1];
}

/**
 * The browser session a page request carries (portal pages take no bearer tokens). The secure
 * cookie (`__Secure-…`, set over HTTPS) is read when present: browsers only send it over HTTPS.
 */
export function pageCredential(headers: Headers): Promise<Credential | null> {
  return browserCredential(headers, /(^|;\s*)__Secure-authjs\.session-token(\.\d+)?=/.test(headers.get("cookie") ?? ""));
}

async function browserCredential(headers: Headers, secureCookie: boolean): Promise<Credential | null> {
  const secret = process.env.AUTH_SECRET;
  if (!secret || !headers.get("cookie")) return null;
  const claims = await getToken({ req: { headers }, secret, secureCookie }).catch(() => null);
  if (!claims || typeof claims.uid !== "string") return null;
  return { kind: "browser", userId: claims.uid, sessionId: typeof claims.sid === "string" ? claims.sid : null, claims };
}

/** Any secret this node issues (`ccl_pat_…`, `ccl_ses_…`, `ccl_inv_…`, `setup_…`: a prefix and 43 base64url characters). */
const URL_CREDENTIAL = /ccl_[a-z]{3}_|setup_[A-Za-z0-9_-]{40,}/;
const URL_CREDENTIAL_NAMES = new Set(["token", "access_token", "api_key", "apikey", "session_token", "bearer", "password", "invite_token", "reset_token"]);

/**
 * Secrets in URLs end up in logs, proxies and browser history: any request whose query carries
 * one is refused outright (400), on every operation, public ones included, rather than ignored.
 */
export function refuseCredentialsInUrl(searchParams: URLSearchParams): void {
  for (const [name, value] of searchParams) {
    if (URL_CREDENTIAL.test(value) || URL_CREDENTIAL.test(name) || (URL_CREDENTIAL_NAMES.has(name.toLowerCase()) && value.length > 0)) {
      throw new AppError("bad_request", "Credentials are never accepted in the URL; send Authorization: Bearer <token>", { parameter: name });
    }
  }
}
