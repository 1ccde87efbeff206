import type { DatabaseHandle } from "../db/client";
import type { DeviceTrust } from "../db/schema";
import type { CallerRow } from "./caller-row";
import { log } from "../log";
import { CREDENTIAL_CHECK_MS } from "./credential-watch";
import { credentialNoticeHeard, CREDENTIALS_CHANNEL, localChangesPending, onCredentialsAnnounced } from "./credential-notices";

/**
 * How long a resolved bearer credential may be answered from memory: the credential watcher's
 * periodic bound. Should a node miss a notice (its LISTEN connection dropped), what it remembers
 * is read again within it.
 */
export const AUTH_CACHE_TTL_MS = CREDENTIAL_CHECK_MS;
/** Entries per database; past it the oldest go, so a flood of distinct tokens cannot grow it without bound. */
const MAX_ENTRIES = 10_000;

/** Taken before a lookup and handed back to store its result: a change noticed meanwhile voids it. */
export interface CacheTicket {
  generation: number;
  startedAt: number;
}

/**
 * Resolved bearer credentials (API tokens, runtime session tokens) by token hash, so an
 * authenticated request need not read the database each time. Only what the database accepted is
 * kept, with what the per-request checks need (expiry, last use, the account's role and grants,
 * the device's trust). It forgets everything:
 * - on this node, at once: every change that ends, narrows or widens a credential (token revoked,
 *   session ended, device revoked or approved, account disabled, role or grant changed) is
 *   announced inside its transaction (credential-notices.ts); from then until its notice comes
 *   back after the commit, no cache of this process answers or stores;
 * - on every node, when that notice (NOTIFY clawlink_credentials) arrives;
 * - in any case AUTH_CACHE_TTL_MS after the read.
 * It answers nothing until its LISTEN is in place.
 */
export class CredentialCache<T> {
  private readonly entries = new Map<string, { value: T; readAt: number }>();
  private generation = 0;
  private listening = false;
  private starting: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly stopForgetting: () => void;

  constructor(
    private readonly handle: Pick<DatabaseHandle, "listen">,
    private readonly ttlMs = AUTH_CACHE_TTL_MS,
  ) {
    this.stopForgetting = onCredentialsAnnounced(() => this.invalidate());
  }

  /** The remembered value, or undefined: read the database (and `store` what it said). */
  get(key: string): T | undefined {
    if (!this.usable()) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (performance.now() - entry.readAt >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Before reading the database: what `store` needs to tell whether a change came in between. */
  ticket(): CacheTicket {
    return { generation: this.generation, startedAt: performance.now() };
  }

  /** Remember what the database said, unless a change was announced or noticed since the ticket. */
  store(ticket: CacheTicket, key: string, value: T): void {
    if (!this.usable() || ticket.generation !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES && !this.entries.has(key)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, readAt: ticket.startedAt });
  }

  /** Replace a remembered value (after a touch this node wrote), keeping its read time. */
  update(key: string, value: T): void {
    const entry = this.entries.get(key);
    if (entry) entry.value = value;
  }

  /** Forget everything, and void every lookup still running. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.stopForgetting();
    this.invalidate();
    this.listening = false;
    await this.unlisten?.().catch(() => {});
  }

  private usable(): boolean {
    if (!this.listening) {
      this.start();
      return false;
    }
    return !localChangesPending();
  }

  private start(): void {
    this.starting ??= this.handle
      .listen(CREDENTIALS_CHANNEL, (payload) => {
        this.invalidate();
        credentialNoticeHeard(payload);
      })
      .then((unlisten) => {
        this.unlisten = unlisten;
        this.invalidate();
        this.listening = true;
      })
      .catch((error: unknown) => {
        log.warn({ err: error }, "credential notices unavailable; every request is authenticated against the database");
        setTimeout(() => (this.starting = undefined), 5_000).unref();
      });
  }
}

const caches = new WeakMap<object, CredentialCache<unknown>>();

/** The one credential cache for a database handle in this process. */
export function credentialCacheFor<T>(handle: Pick<DatabaseHandle, "listen">): CredentialCache<T> {
  let cache = caches.get(handle);
  if (!cache) caches.set(handle, (cache = new CredentialCache<unknown>(handle)));
  return cache as CredentialCache<T>;
}

/** What authenticate remembers of a bearer credential the database accepted (never a refused one). */
export type CachedCredential =
  | { kind: "api_token"; tokenId: string; userId: string; user: CallerRow; expiresAt: Date | null; lastUsedAt: Date | null }
  | { kind: "runtime_session"; userId: string; user: CallerRow; session: { id: string; devicePk: string; deviceId: string; trust: DeviceTrust }; expiresAt: Date; lastActiveAt: Date };
