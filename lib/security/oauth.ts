import { DrizzleAdapter } from "@auth/drizzle-adapter";
import type { Adapter, AdapterUser } from "next-auth/adapters";
import type { Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { authAccounts, authSessions, authVerificationTokens, users } from "../db/schema";
import { env, type Env } from "../env";
import { recordAudit } from "./audit";

/** The external providers whose env vars are set; none by default. */
export function oauthProviders(e: Env = env()): Provider[] {
  const providers: Provider[] = [];
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET) providers.push(GitHub({ clientId: e.AUTH_GITHUB_ID, clientSecret: e.AUTH_GITHUB_SECRET }));
  if (e.AUTH_OIDC_ISSUER && e.AUTH_OIDC_ID && e.AUTH_OIDC_SECRET) {
    providers.push({
      id: "oidc",
      name: e.AUTH_OIDC_NAME,
      type: "oidc",
      issuer: e.AUTH_OIDC_ISSUER,
      clientId: e.AUTH_OIDC_ID,
      clientSecret: e.AUTH_OIDC_SECRET,
    });
  }
  return providers;
}

/** Names and ids of the configured external providers, for the sign-in page's buttons. */
export function oauthProviderList(e: Env = env()): { id: string; name: string }[] {
  const list: { id: string; name: string }[] = [];
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET) list.push({ id: "github", name: "GitHub" });
  if (e.AUTH_OIDC_ISSUER && e.AUTH_OIDC_ID && e.AUTH_OIDC_SECRET) list.push({ id: "oidc", name: e.AUTH_OIDC_NAME });
  return list;
}

/**
 * The Auth.js adapter over our tables. People who arrive through a provider for the first time
 * become GUESTs (list agents and skills, nothing more) until an admin gives them a role: an
 * open GitHub sign-in must not hand out developer rights. An existing email is never linked
 * automatically (Auth.js refuses with OAuthAccountNotLinked).
 */
export function oauthAdapter(db: Database): Adapter {
  const base = DrizzleAdapter(db, { usersTable: users, accountsTable: authAccounts, sessionsTable: authSessions, verificationTokensTable: authVerificationTokens });
  return {
    ...base,
    async createUser(data: AdapterUser): Promise<AdapterUser> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(users)
          .values({ email: data.email.toLowerCase(), name: data.name ?? null, image: data.image ?? null, emailVerified: data.emailVerified ?? null, role: "GUEST" })
          .returning({ id: users.id, email: users.email, name: users.name, image: users.image, emailVerified: users.emailVerified });
        await recordAudit(tx, { eventType: "user.created", action: "oauth_sign_up", actorUserId: row.id, resourceType: "user", resourceId: row.id, details: { via: "oauth", role: "GUEST" } });
        return row;
      });
    },
  };
}

/** Disabled accounts cannot come back in through a provider either. */
export async function oauthUserAllowed(db: Database, userId: string | undefined): Promise<boolean> {
  // A first-time visitor's id is the provider's own (not one of our UUIDs): nothing to check yet.
  if (!userId || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(userId)) return true;
  const [row] = await db.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).limit(1);
  return !row?.disabledAt;
}
