import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens } from "../../lib/db/schema";
import { resolveApiToken } from "../../lib/security/api-tokens";
import { CredentialCache, type CachedCredential } from "../../lib/security/auth-cache";
import { CREDENTIALS_CHANNEL } from "../../lib/security/credential-notices";
import { apiTokenFor, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";

/** The authentication cache across nodes (two pools on one PostgreSQL database): see security-auth-cache.int.test.ts. */
describe("authentication cache: another node's change", async () => {
  const database = await useTestDatabase();
  const { db } = database;

  it("another node's change reaches this node's cache through the credential notice", async () => {
    // Two pools on one database, as two nodes: `other` remembers the token, the change is made on `database`.
    const other = await database.reopen!();
    const otherCache = new CredentialCache<CachedCredential>(other);
    try {
      const user = await createUser(db, { role: "DEVELOPER" });
      const { id, token } = await apiTokenFor(db, user.id);
      await expect.poll(async () => (await resolveApiToken(other.db, token, otherCache)).ok && otherCache.size).toBe(1);
      // Revoked the way another node's revokeApiToken does it: the change and its notice in one transaction.
      await db.transaction(async (tx) => {
        await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
        await tx.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, 'from-another-node')`);
      });
      await expect.poll(() => otherCache.size).toBe(0);
      expect(await resolveApiToken(other.db, token, otherCache)).toEqual({ ok: false, reason: "The API token has been revoked" });
    } finally {
      await otherCache.close();
      await other.close();
    }
  });
});
