import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDatabase } from "../db";
import { log } from "../log";
import { recordAudit } from "./audit";
import { authConfig } from "./auth.config";
import { endBrowserSession, isLiveBrowserSession, startBrowserSession } from "./browser-sessions";
import { oauthAdapter, oauthProviders, oauthUserAllowed } from "./oauth";
import { clientIp } from "./request-meta";
import { checkSignIn } from "./sign-in";

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email(), password: z.string().min(1).max(1024) });

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

/** Shown by the sign-in form as "too many attempts"; the HTTP gate answers 429 before this. */
class RateLimited extends CredentialsSignin {
  code = "rate_limited";
}

/** next-auth errors a request causes (bad input, a wrong password, a stale cookie): not server faults, and not worth a log line each. */
const REQUEST_ERRORS = new Set(["CredentialsSignin", "UnknownAction", "MissingCSRF", "InvalidCheck", "InvalidCallbackUrl", "JWTSessionError", "Verification", "AccessDenied", "OAuthCallbackError", "OAuthAccountNotLinked", "AccountNotLinked", "UnsupportedStrategy"]);

/**
 * next-auth's own log lines go through the node's logger (structured, and errors through its
 * safe serializer) instead of console: its default prints every failed sign-in as several
 * unstructured lines, with the underlying error's stack and "details".
 */
const authLogger = {
  error(error: Error) {
    const type = (error as { type?: string }).type ?? error.name;
    if (REQUEST_ERRORS.has(type)) return log.debug({ type }, "sign-in request refused");
    const cause = (error as { cause?: { err?: unknown } }).cause;
    log.error({ err: cause?.err instanceof Error ? cause.err : error, authError: type }, "authentication error");
  },
  warn(code: string) {
    log.warn({ code }, "authentication warning");
  },
  debug() {},
};

// Lazy configuration: the OAuth adapter needs the database, which opens asynchronously.
export const { handlers, auth, signIn, signOut } = NextAuth(async () => {
  const external = oauthProviders();
  const db = external.length > 0 ? (await getDatabase()).db : undefined;
  return {
    ...authConfig,
    logger: authLogger,
    ...(db ? { adapter: oauthAdapter(db) } : {}),
    providers: [
      Credentials({
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, request) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new InvalidCredentials();
          const { db } = await getDatabase();
          const result = await checkSignIn(db, { ...parsed.data, ip: clientIp(request.headers) });
          if (!result.ok) throw result.reason === "rate_limited" ? new RateLimited() : new InvalidCredentials();
          return { id: result.user.id, email: result.user.email, name: result.user.name };
        },
      }),
      ...external,
    ],
    callbacks: {
      ...authConfig.callbacks,
      /** A sign-in starts a server-side browser session; the cookie carries its id (`sid`), checked on every request. */
      async jwt({ token, user, account }) {
        const { db } = await getDatabase();
        // Reading the session (GET /api/auth/session) of an ended one answers null and clears the cookie.
        if (!user?.id) return (await isLiveBrowserSession(db, token.sid, token.uid)) ? token : null;
        const caller = await signInRequestMeta();
        const sid = await startBrowserSession(db, { userId: user.id, provider: account?.provider ?? "credentials", ...caller });
        return { ...token, uid: user.id, sid };
      },
      async signIn({ user, account }) {
        if (!account || account.provider === "credentials") return true;
        return oauthUserAllowed((await getDatabase()).db, user.id);
      },
    },
    events: {
      async signIn({ user, account }) {
        // Credentials sign-ins are audited in checkSignIn, with their failures.
        if (!account || account.provider === "credentials" || !user.id) return;
        const { db } = await getDatabase();
        await recordAudit(db, { eventType: "auth.signin_succeeded", action: "sign_in", actorUserId: user.id, resourceType: "user", resourceId: user.id, details: { provider: account.provider } });
      },
      /** Signing out ends the server-side session: a copy of the cookie kept elsewhere stops working too. */
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        const uid = token && typeof token.uid === "string" ? token.uid : null;
        if (!uid) return;
        const { db } = await getDatabase();
        const sid = typeof token?.sid === "string" ? token.sid : null;
        const ended = sid ? await endBrowserSession(db, sid, "signed_out") : false;
        if (!ended) return;
        await recordAudit(db, { eventType: "auth.signed_out", action: "sign_out", actorUserId: uid, resourceType: "browser_session", resourceId: sid, details: {} });
      },
    },
  };
});

/** The address and browser of the sign-in request, when next-auth runs inside a Next request. */
async function signInRequestMeta(): Promise<{ ip: string | null; userAgent: string | null }> {
  try {
    const { headers } = await import("next/headers");
    const incoming = await headers();
    return { ip: clientIp(incoming), userAgent: incoming.get("user-agent") };
  } catch {
    return { ip: null, userAgent: null };
  }
}
