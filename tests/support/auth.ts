import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import type { Database } from "../../lib/db/client";
import { users, type Role } from "../../lib/db/schema";
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

/** A next-auth session cookie for the user, as the browser would hold after signing in. */
export async function sessionCookieFor(userId: string): Promise<string> {
  const secret = process.env.AUTH_SECRET!;
  const jwt = await encode({ token: { uid: userId, sub: userId }, secret, salt: SESSION_COOKIE });
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
