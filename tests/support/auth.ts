import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { getDatabase } from "../../lib/db";
import type { Database } from "../../lib/db/client";
import { users, type Role } from "../../lib/db/schema";
import { startBrowserSession } from "../../lib/security/browser-sessions";
import { hashPassword } from "../../lib/security/passwords";

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  password: string;
}

/** Insert a user directly (tests only); the password is hashed like a real one. */
export async function createUser(db: Database, opts: { role?: Role; name?: string; email?: string; password?: string } = {}): Promise<TestUser> {
  const password = opts.password ?? "correct horse battery staple";
  const email = opts.email ?? `${(opts.name ?? "user").toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const role = opts.role ?? "DEVELOPER";
  const [row] = await db
    .insert(users)
    .values({ email, name: opts.name ?? email.split("@")[0], role, passwordHash: await hashPassword(password) })
    .returning({ id: users.id });
  return { id: row.id, email, role, password };
}

export const SESSION_COOKIE = "authjs.session-token";

/**
 * A next-auth session cookie for the user, as the browser would hold after signing in: a fresh
 * server-side browser session in the process database, named by the cookie's `sid`. Keep the
 * cookie to act as one browser (signing out, then reusing it); each call is a new sign-in.
 */
export async function sessionCookieFor(userId: string): Promise<string> {
  const { db } = await getDatabase();
  const sid = await startBrowserSession(db, { userId, provider: "credentials", ip: null, userAgent: "test" });
  return cookieFor(userId, sid);
}

/** The cookie for a given browser session id (or none: a cookie from before sessions were tracked). */
export async function cookieFor(userId: string, sid: string | null): Promise<string> {
  const secret = process.env.AUTH_SECRET!;
  const jwt = await encode({ token: { uid: userId, sub: userId, ...(sid ? { sid } : {}) }, secret, salt: SESSION_COOKIE });
  return `${SESSION_COOKIE}=${jwt}`;
}

/** Build a Request as a signed-in browser would send it. */
export async function browserRequest(userId: string, url: string, init: RequestInit = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  headers.set("cookie", await sessionCookieFor(userId));
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return new Request(new URL(url, "http://localhost"), { ...init, headers });
}

/** The second argument Next passes to a route handler. */
export function routeParams<T extends Record<string, string>>(params: T): { params: Promise<T> } {
  return { params: Promise.resolve(params) };
}

/** A live API token (`ccl_pat_…`) for the user, created the way the API creates one. */
export async function apiTokenFor(db: Database, userId: string, opts: { name?: string; expiresAt?: Date } = {}): Promise<{ id: string; token: string }> {
  const { apiTokens } = await import("../../lib/db/schema");
  const { hashSecret, newSecret } = await import("../../lib/security/tokens");
  const token = newSecret("ccl_pat_");
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name: opts.name ?? "test", tokenHash: hashSecret(token), prefix: token.slice(0, 14), expiresAt: opts.expiresAt ?? null })
    .returning({ id: apiTokens.id });
  return { id: row.id, token };
}

/** Build a Request carrying `Authorization: Bearer <token>` (an API or a session token). */
export function bearerRequest(token: string, url: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return new Request(new URL(url, "http://localhost"), { ...init, headers });
}

/**
 * Open a runtime session through POST /api/runtime/sessions, as a client would, then set its
 * device's trust directly (tests only). Returns the session id and its bearer token.
 */
export async function openSessionFor(
  db: Database,
  userId: string,
  opts: { deviceId?: string; trust?: "pending" | "trusted" } = {},
): Promise<{ sessionId: string; token: string; deviceId: string; devicePk: string }> {
  const { POST } = (await import("./api")).routeHandlers("/api/runtime/sessions");
  const { devices } = await import("../../lib/db/schema");
  const { and, eq } = await import("drizzle-orm");
  const deviceId = opts.deviceId ?? `device-${randomUUID().slice(0, 8)}`;
  const res = await POST(await browserRequest(userId, "/api/runtime/sessions", { method: "POST", body: JSON.stringify({ device_id: deviceId }) }));
  if (res.status !== 201) throw new Error(`opening a session failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { session_id: string; session_token: string };
  const [device] = await db
    .update(devices)
    .set({ trust: opts.trust ?? "trusted" })
    .where(and(eq(devices.userId, userId), eq(devices.deviceId, deviceId)))
    .returning({ id: devices.id });
  return { sessionId: body.session_id, token: body.session_token, deviceId, devicePk: device.id };
}

type RouteHandler = (req: Request, ctx?: { params: Promise<Record<string, string>> }) => Promise<Response>;

/**
 * Ada/Bob isolation: every call, made as `userId`, must answer 404 (unknown and forbidden look
 * the same). Use it for any owner-scoped object: `await expectHiddenFrom(bob.id, [{ handler: GET,
 * url: "/api/runtime/tasks/<id>/state", params: { id } }])`.
 */
export async function expectHiddenFrom(
  userId: string,
  calls: { handler: RouteHandler; url: string; params?: Record<string, string>; init?: RequestInit; token?: string }[],
): Promise<void> {
  for (const call of calls) {
    const req = call.token ? bearerRequest(call.token, call.url, call.init) : await browserRequest(userId, call.url, call.init);
    const res = await call.handler(req, routeParams(call.params ?? {}));
    if (res.status !== 404) {
      throw new Error(`${call.init?.method ?? "GET"} ${call.url} answered ${res.status} for another user (expected 404): ${await res.text()}`);
    }
  }
}
