import { getDatabase } from "../db";
import { log } from "../log";
import { clientIp } from "./request-meta";
import { rateLimitedError, signInThrottle } from "./sign-in";


const CREDENTIALS_CALLBACK = /\/api\/auth\/callback\/credentials\/?$/;

/**
 * Wraps the next-auth POST handler: a credentials sign-in for a throttled account or IP is
 * answered 429 with Retry-After before any password is checked. The body also carries the
 * `url` next-auth's client reads, so `signIn()` reports code `rate_limited` instead of crashing.
 */
export function withSignInThrottle<R extends Request>(handler: (req: R) => Promise<Response>): (req: R) => Promise<Response> {
  return async (req: R) => {
    if (req.method !== "POST" || !CREDENTIALS_CALLBACK.test(new URL(req.url).pathname)) return handler(req);
    const email = await emailFrom(req.clone() as Request);
    if (!email) return handler(req);
    const { db } = await getDatabase();
    const throttle = await signInThrottle(db, { email, ip: clientIp(req.headers) });
    if (!throttle.limited) return handler(req);
    log.warn({ ip: clientIp(req.headers), retryAfter: throttle.retryAfterSeconds }, "sign-in throttled");
    const error = rateLimitedError(throttle.retryAfterSeconds);
    const url = new URL("/signin", req.url);
    url.searchParams.set("error", "CredentialsSignin");
    url.searchParams.set("code", "rate_limited");
    return Response.json({ ...error.toBody(), url: url.toString() }, { status: 429, headers: error.headers });
  };
}

async function emailFrom(req: Request): Promise<string | null> {
  try {
    const type = req.headers.get("content-type") ?? "";
    const value = type.includes("json") ? ((await req.json()) as { email?: unknown }).email : (await req.formData()).get("email");
    return typeof value === "string" && value.trim() ? value.trim().toLowerCase() : null;
  } catch {
    return null;
  }
}
