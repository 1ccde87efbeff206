import { NextRequest } from "next/server";
import { handlers } from "@/lib/security/auth";
import { withSignInThrottle } from "@/lib/security/sign-in-gate";
import { authMethodNotAllowed, edgeAuthRoute } from "@/lib/transport/http/auth-route";

const rebuild = (req: NextRequest, body: Buffer | undefined) => new NextRequest(req.url, { method: req.method, headers: req.headers, ...(body ? { body: new Uint8Array(body) } : {}) });

/** next-auth's own routes: bodies read through the 1 MiB limit, errors in the API's JSON form. */
export const GET = edgeAuthRoute(handlers.GET, rebuild);
/** Throttled credential sign-ins answer 429 + Retry-After before next-auth runs. */
export const POST = edgeAuthRoute(withSignInThrottle(handlers.POST), rebuild);
export const PUT = authMethodNotAllowed;
export const PATCH = authMethodNotAllowed;
export const DELETE = authMethodNotAllowed;
