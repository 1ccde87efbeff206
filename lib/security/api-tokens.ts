import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { preparedQuery, timestampOf, type RawRow } from "../db/prepared";
import { apiTokens } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { CALLER_GRANTS_JSON, callerFromRaw, type CallerRow } from "./caller-row";
import type { CachedCredential, CredentialCache } from "./auth-cache";
import { announceCredentialsChanged } from "./credential-notices";
import { lockUserQuotas, quotaExceeded } from "./quotas";
import { hashSecret, newSecret } from "./tokens";
import { boundedDate } from "../validation";

export const API_TOKEN_PREFIX = "ccl_pat_";
/** How many leading characters of a token are kept in clear to tell tokens apart. */
const DISPLAY_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;
/** last_used_at is a hint, not a log: write it at most once a minute per token. */
const LAST_USED_GRANULARITY_MS = 60_000;
const MAX_TOKENS_PER_USER = 100;

export const createTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    expires_at: boundedDate().optional(),
    expires_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((v) => !(v.expires_at && v.expires_in_days), { message: "give expires_at or expires_in_days, not both" });
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

const publicColumns = {
  id: apiTokens.id,
  userId: apiTokens.userId,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
  createdAt: apiTokens.createdAt,
};
type TokenRow = { [K in keyof typeof publicColumns]: (typeof apiTokens.$inferSelect)[K] };

export function tokenJson(t: TokenRow) {
  const at = now();
  return {
    id: t.id,
    user_id: t.userId,
    name: t.name,
    prefix: t.prefix,
    created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt?.toISOString() ?? null,
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    revoked_at: t.revokedAt?.toISOString() ?? null,
    status: t.revokedAt ? ("revoked" as const) : t.expiresAt && t.expiresAt <= at ? ("expired" as const) : ("active" as const),
  };
}

/** Create a token for the caller; the secret is in the result and nowhere else, ever. */
export async function createApiToken(db: Database, ctx: AuthContext, input: CreateTokenInput) {
  // A token carries the user's full rights: a session (perhaps on an untrusted device) must not mint one.
  if (ctx.via === "runtime_session") throw new AppError("forbidden", "Create API tokens from the browser or with another API token, not with a runtime session");
  const created = now();
  const expiresAt = input.expires_at ?? (input.expires_in_days ? new Date(created.getTime() + input.expires_in_days * 86_400_000) : null);
  if (expiresAt && expiresAt <= created) throw new AppError("validation_failed", "expires_at must be in the future");
  const secret = newSecret(API_TOKEN_PREFIX);
  const row = await db.transaction(async (tx) => {
    // The cap keeps a leaked browser session from minting tokens without bound; the per-user lock
    // makes count-then-insert one step, so concurrent requests cannot overshoot it.
    await lockUserQuotas(tx, ctx.user.id);
    const [{ n }] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, ctx.user.id), isNull(apiTokens.revokedAt)));
    if (n >= MAX_TOKENS_PER_USER) {
      throw quotaExceeded(`You already have ${n} active tokens (the limit is ${MAX_TOKENS_PER_USER}); revoke some first`, { quota: "api_tokens", limit: MAX_TOKENS_PER_USER, current: n });
    }
    const [inserted] = await tx
      .insert(apiTokens)
      .values({ userId: ctx.user.id, name: input.name, tokenHash: hashSecret(secret), prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH), expiresAt, createdAt: created })
      .returning(publicColumns);
    await recordAudit(tx, auditFor(ctx, "token.created", inserted.id, { name: input.name, expires_at: expiresAt?.toISOString() ?? null }));
    return inserted;
  });
  return { ...tokenJson(row), token: secret };
}

/** Token metadata: the caller's own, or anyone's (userId omitted or someone else's) with admin:users. */
export async function listApiTokens(db: DbOrTx, ctx: AuthContext, opts: { userId?: string; includeRevoked?: boolean }) {
  if (opts.userId !== ctx.user.id) await authorize(ctx, "admin:users");
  const rows = await db
    .select(publicColumns)
    .from(apiTokens)
    .where(and(opts.userId ? eq(apiTokens.userId, opts.userId) : undefined, opts.includeRevoked ? undefined : isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt))
    .limit(1000);
  return rows.map(tokenJson);
}

/**
 * Revoke one token. Owners revoke their own; `asAdmin` lets an admin revoke anyone's. Unknown or
 * foreign → 404. The revocation is one conditional UPDATE, so of concurrent revokes exactly one
 * records it; the others answer the already-revoked token.
 */
export async function revokeApiToken(db: Database, ctx: AuthContext, tokenId: string, opts: { asAdmin?: boolean } = {}) {
  await authorize(ctx, opts.asAdmin ? "admin:users" : "trusted");
  const scope = and(eq(apiTokens.id, tokenId), opts.asAdmin ? undefined : eq(apiTokens.userId, ctx.user.id));
  return db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: now() })
      .where(and(scope, isNull(apiTokens.revokedAt)))
      .returning(publicColumns);
    if (!revoked) {
      const [token] = await tx.select(publicColumns).from(apiTokens).where(scope).limit(1);
      if (!token) throw AppError.notFound("API token");
      return tokenJson(token);
    }
    await announceCredentialsChanged(tx);
    await recordAudit(tx, auditFor(ctx, "token.revoked", tokenId, { name: revoked.name, owner_user_id: revoked.userId }));
    return tokenJson(revoked);
  });
}

export type TokenCheck = { ok: true; tokenId: string; userId: string; user: CallerRow } | { ok: false; reason: string };

/**
 * Resolve a presented `ccl_pat_…` secret. Touches last_used_at at most once a minute. With a
 * cache (the HTTP API's), an accepted token is remembered (see auth-cache.ts); a remembered one
 * is still refused the moment it expires.
 */
export async function resolveApiToken(db: Database, secret: string, cache?: CredentialCache<CachedCredential>): Promise<TokenCheck> {
  const hash = hashSecret(secret);
  const remembered = cache?.get(hash);
  if (remembered?.kind === "api_token" && !(remembered.expiresAt && remembered.expiresAt <= now())) {
    const lastUsedAt = await touchLastUsed(db, remembered.tokenId, remembered.lastUsedAt);
    if (lastUsedAt !== remembered.lastUsedAt) cache!.update(hash, { ...remembered, lastUsedAt });
    return { ok: true, tokenId: remembered.tokenId, userId: remembered.userId, user: remembered.user };
  }
  const ticket = cache?.ticket();
  // Every authenticated request's first statement: prepared, one round trip (see preparedQuery).
  const [raw] = await preparedQuery(db, RESOLVE_TOKEN_SQL, [hash]);
  if (!raw) return { ok: false, reason: "The API token is not valid" };
  const token = tokenFromRow(raw);
  if (token.revokedAt) return { ok: false, reason: "The API token has been revoked" };
  if (token.expiresAt && token.expiresAt <= now()) return { ok: false, reason: "The API token has expired" };
  if (token.disabledAt) return { ok: false, reason: "The account that owns this token is disabled" };
  const lastUsedAt = await touchLastUsed(db, token.id, token.lastUsedAt);
  if (ticket) cache!.store(ticket, hash, { kind: "api_token", tokenId: token.id, userId: token.userId, user: token.user, expiresAt: token.expiresAt, lastUsedAt });
  return { ok: true, tokenId: token.id, userId: token.userId, user: token.user };
}

/** Write last_used_at when it is a minute old or more; returns what it is now. */
async function touchLastUsed(db: Database, tokenId: string, lastUsedAt: Date | null): Promise<Date | null> {
  const at = now();
  if (lastUsedAt && at.getTime() - lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return lastUsedAt;
  const threshold = new Date(at.getTime() - LAST_USED_GRANULARITY_MS);
  // The WHERE makes concurrent requests write it once rather than each.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: at })
    .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, threshold))));
  return at;
}

const RESOLVE_TOKEN_SQL = `select t.id, t.user_id, t.expires_at, t.revoked_at, t.last_used_at, u.email, u.name, u.role, u.disabled_at,
  ${CALLER_GRANTS_JSON} as grants
  from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1::text limit 1`;

function tokenFromRow(row: RawRow) {
  const disabledAt = timestampOf(row.disabled_at);
  return {
    id: row.id as string,
    userId: row.user_id as string,
    expiresAt: timestampOf(row.expires_at),
    revokedAt: timestampOf(row.revoked_at),
    lastUsedAt: timestampOf(row.last_used_at),
    disabledAt,
    user: callerFromRaw(row.user_id as string, row, disabledAt),
  };
}

function auditFor(ctx: AuthContext, eventType: "token.created" | "token.revoked", tokenId: string, details: Record<string, unknown>) {
  return {
    eventType,
    action: eventType === "token.created" ? "create_api_token" : "revoke_api_token",
    ...actorOf(ctx),
    resourceType: "api_token",
    resourceId: tokenId,
    details,
  } as const;
}
