import { eq, inArray, sql } from "drizzle-orm";
import type { DatabaseHandle } from "../db/client";
import { apiTokens, browserSessions, devices, runtimeSessions, users, type DeviceTrust, type Role } from "../db/schema";
import { log } from "../log";
import { now } from "./clock";
import type { AuthContext } from "./context";
import { CREDENTIALS_CHANNEL } from "./credential-notices";
import { narrowForDevice, permissionsFor } from "./permissions";

/** How often open streams' credentials are re-checked even without a notice (lost NOTIFY, expiry). */
export const CREDENTIAL_CHECK_MS = 500;

/** What the database says now about the credentials behind the watched contexts. */
export interface CredentialFacts {
  users: Map<string, { role: Role; disabledAt: Date | null; grants: string[] }>;
  apiTokens: Map<string, { revokedAt: Date | null; expiresAt: Date | null }>;
  runtimeSessions: Map<string, { endedAt: Date | null; endedReason: string | null; expiresAt: Date; trust: DeviceTrust }>;
  browserSessions: Map<string, { endedAt: Date | null; endedReason: string | null; expiresAt: Date }>;
}

/**
 * Why the credential behind `ctx` no longer holds, or null while it does: the same conditions
 * `authenticate` refuses on (token revoked or expired, session ended, expired or on a revoked
 * device, browser session ended, account disabled), plus a role change or a lost permission
 * (a grant withdrawn), since what the caller was allowed was decided with the old rights.
 */
export function credentialEndedReason(ctx: AuthContext, facts: CredentialFacts, at = now(), held: HeldPermissions = new WeakMap()): string | null {
  const user = facts.users.get(ctx.user.id);
  if (!user || user.disabledAt) return "user_disabled";
  if (user.role !== ctx.user.role) return "role_changed";
  if (ctx.apiTokenId) {
    const token = facts.apiTokens.get(ctx.apiTokenId);
    if (!token || token.revokedAt) return "token_revoked";
    if (token.expiresAt && token.expiresAt <= at) return "token_expired";
  }
  if (ctx.session) {
    const session = facts.runtimeSessions.get(ctx.session.id);
    if (!session) return "session_revoked";
    if (session.endedAt) return session.endedReason === "device_revoked" ? "device_revoked" : `session_${session.endedReason ?? "revoked"}`;
    if (session.trust === "revoked") return "device_revoked";
    if (session.expiresAt <= at) return "session_expired";
  }
  if (ctx.browserSessionId) {
    const browser = facts.browserSessions.get(ctx.browserSessionId);
    if (!browser || browser.endedAt || browser.expiresAt <= at) return `browser_session_${browser?.endedReason ?? "ended"}`;
  }
  const trust = ctx.session ? (facts.runtimeSessions.get(ctx.session.id)?.trust ?? ctx.session.trust) : "trusted";
  let byTrust = held.get(user);
  if (!byTrust) held.set(user, (byTrust = new Map()));
  let permissions = byTrust.get(trust);
  if (!permissions) byTrust.set(trust, (permissions = narrowForDevice(permissionsFor(user.role, user.grants), trust)));
  for (const permission of ctx.permissions) if (!permissions.has(permission)) return "permissions_changed";
  return null;
}

/**
 * What a user's role and grants allow, per device trust, computed once per check: 1,000 streams
 * of one user are 1,000 contexts but one set of permissions (the check runs on the event loop
 * every CREDENTIAL_CHECK_MS; building a set per stream stalled event delivery for milliseconds).
 */
type HeldPermissions = WeakMap<object, Map<DeviceTrust, Set<string>>>;

interface Watch {
  ctx: AuthContext;
  ended: (reason: string) => void;
}

/**
 * Ends open streams (SSE, WebSocket, any later transport) whose credential stops holding. One per
 * process and database: every watched context is re-checked in a handful of batched queries when
 * a node announces a change (NOTIFY on commit, so every node of a cluster hears it at once) and
 * every CREDENTIAL_CHECK_MS regardless, so a lost notice or a silent expiry still closes the
 * stream within about a second. Nothing runs while nothing is watched.
 */
export class CredentialWatcher {
  private readonly watches = new Map<number, Watch>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private failing = false;

  constructor(
    private readonly handle: Pick<DatabaseHandle, "db" | "listen">,
    private readonly intervalMs = CREDENTIAL_CHECK_MS,
  ) {}

  /** Call `ended` once when the credential behind `ctx` ends; returns the function that stops watching. */
  watch(ctx: AuthContext, ended: (reason: string) => void): () => void {
    // `clawlink run --local` proved itself by access to the database: nothing to revoke.
    if (ctx.via === "local") return () => {};
    const id = this.nextId++;
    this.watches.set(id, { ctx, ended });
    this.start();
    return () => {
      this.watches.delete(id);
      if (this.watches.size === 0) this.stopTimer();
    };
  }

  get size(): number {
    return this.watches.size;
  }

  /** Re-check every watched credential now (coalesced: a check already running runs once more). */
  check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.again = false;
          await this.checkOnce();
        } while (this.again);
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  async close(): Promise<void> {
    this.stopTimer();
    this.watches.clear();
    await this.unlisten?.().catch(() => {});
  }

  private start(): void {
    this.listening ??= this.handle
      .listen(CREDENTIALS_CHANNEL, () => void this.check())
      .then((unlisten) => {
        this.unlisten = unlisten;
      })
      .catch((error: unknown) => {
        // The periodic check still closes streams; try LISTEN again with the next watch.
        log.warn({ err: error }, "credential notices unavailable; relying on the periodic check");
        this.listening = undefined;
      });
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async checkOnce(): Promise<void> {
    if (this.watches.size === 0) return;
    const watched = [...this.watches];
    let facts: CredentialFacts;
    try {
      facts = await loadFacts(this.handle, watched.map(([, w]) => w.ctx));
    } catch (error) {
      // A database blip must not cut every stream; the next check decides. Said once per outage, not twice a second.
      if (!this.failing) log.warn({ err: error }, "re-checking open streams' credentials failed; retrying every check until the database answers");
      this.failing = true;
      return;
    }
    if (this.failing) log.info("re-checking open streams' credentials works again");
    this.failing = false;
    const at = now();
    const held: HeldPermissions = new WeakMap();
    for (const [id, w] of watched) {
      const reason = credentialEndedReason(w.ctx, facts, at, held);
      if (!reason || !this.watches.delete(id)) continue;
      try {
        w.ended(reason);
      } catch (error) {
        log.warn({ err: error }, "closing a stream whose credential ended failed");
      }
    }
    if (this.watches.size === 0) this.stopTimer();
  }
}

async function loadFacts({ db }: Pick<DatabaseHandle, "db">, contexts: AuthContext[]): Promise<CredentialFacts> {
  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))];
  const userIds = distinct(contexts.map((c) => c.user.id));
  const tokenIds = distinct(contexts.map((c) => c.apiTokenId));
  const sessionIds = distinct(contexts.map((c) => c.session?.id));
  const browserIds = distinct(contexts.map((c) => c.browserSessionId));
  const [userRows, tokenRows, sessionRows, browserRows] = await Promise.all([
    db
      .select({
        id: users.id,
        role: users.role,
        disabledAt: users.disabledAt,
        grants: sql<string[]>`coalesce((select json_agg(g.permission) from user_permission_grants g where g.user_id = "users"."id"), '[]'::json)`,
      })
      .from(users)
      .where(inArray(users.id, userIds)),
    tokenIds.length ? db.select({ id: apiTokens.id, revokedAt: apiTokens.revokedAt, expiresAt: apiTokens.expiresAt }).from(apiTokens).where(inArray(apiTokens.id, tokenIds)) : [],
    sessionIds.length
      ? db
          .select({ id: runtimeSessions.id, endedAt: runtimeSessions.endedAt, endedReason: runtimeSessions.endedReason, expiresAt: runtimeSessions.expiresAt, trust: devices.trust })
          .from(runtimeSessions)
          .innerJoin(devices, eq(devices.id, runtimeSessions.devicePk))
          .where(inArray(runtimeSessions.id, sessionIds))
      : [],
    browserIds.length
      ? db.select({ id: browserSessions.id, endedAt: browserSessions.endedAt, endedReason: browserSessions.endedReason, expiresAt: browserSessions.expiresAt }).from(browserSessions).where(inArray(browserSessions.id, browserIds))
      : [],
  ]);
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map(({ id, ...rest }) => [id, rest as Omit<T, "id">]));
  return { users: byId(userRows), apiTokens: byId(tokenRows), runtimeSessions: byId(sessionRows), browserSessions: byId(browserRows) };
}

const watchers = new WeakMap<object, CredentialWatcher>();

/** The one watcher for a database handle in this process. */
export function credentialWatcherFor(handle: Pick<DatabaseHandle, "db" | "listen">): CredentialWatcher {
  let watcher = watchers.get(handle);
  if (!watcher) watchers.set(handle, (watcher = new CredentialWatcher(handle)));
  return watcher;
}
