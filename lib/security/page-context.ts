import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { z } from "zod";
import { getDatabase } from "../db";
import { authenticate } from "./authenticate";
import { pageCredential } from "./credentials";
import { clientIp } from "./request-meta";
import type { AuthContext } from "./context";
import type { Permission } from "./permissions";

/**
 * The signed-in person for a server component, or null: the same check as the API's (the cookie's
 * server-side session must be live; role and status come fresh from the database).
 */
export async function pageContext(): Promise<AuthContext | null> {
  const incoming = await headers();
  const credential = await pageCredential(incoming);
  if (!credential) return null;
  const { db } = await getDatabase();
  return authenticate(credential, { db, requestId: randomUUID(), ip: clientIp(incoming), userAgent: incoming.get("user-agent") });
}

/**
 * Guard for portal pages: sends anonymous visitors to sign in, and answers 404 to people
 * whose role lacks the permission (the page is not merely hidden).
 */
export async function requirePageContext(permission?: Permission, returnTo = "/"): Promise<AuthContext> {
  const ctx = await pageContext();
  if (!ctx) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (permission && !ctx.permissions.has(permission)) notFound();
  return ctx;
}

/** An object id from a page URL: a malformed one answers 404, exactly like an unknown one. */
export function requirePageId(id: string): string {
  if (!z.string().uuid().safeParse(id).success) notFound();
  return id;
}
