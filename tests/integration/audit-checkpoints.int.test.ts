import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { statSync } from "node:fs";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { selectRows } from "../../lib/db";
import { auditCheckpoints } from "../../lib/db/schema";
import { canonicalJson, chainHash, recordAudit } from "../../lib/security/audit";
import { checkpointFilePath, checkpointStatement, readLocalCheckpoint } from "../../lib/security/audit-checkpoints";
import { sealAuditChain } from "../../lib/security/audit-seal";
import { startAuditSealer } from "../../lib/security/audit-sealer";
import { verifyAuditChain } from "../../lib/security/audit-verify";
import { checkpointKeyPath, keyIdOf, loadCheckpointKey } from "../../lib/security/checkpoint-key";
import { routeHandlers } from "../support/api";
import { apiTokenFor, bearerRequest, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";

const { GET: verifyRoute } = routeHandlers("/api/audit/verify");
const { GET: listCheckpointsRoute, POST: checkpointRoute } = routeHandlers("/api/audit/checkpoints");

interface Row {
  seq: number;
  occurred_at: Date | string;
  event_type: string;
  actor_user_id: string | null;
  session_id: string | null;
  device_id: string | null;
  ip: string | null;
  resource_type: string | null;
  resource_id: string | null;
  action: string;
  outcome: string;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

describe("signed checkpoints anchor the chain outside the database", async () => {
  const database = await useTestDatabase();
  const { db } = database;
  const admin = await createUser(db, { name: "Admin", role: "ADMIN" });
  const ada = await createUser(db, { name: "Ada" });
  const { token } = await apiTokenFor(db, admin.id);
  const adaToken = (await apiTokenFor(db, ada.id)).token;
  for (let i = 0; i < 30; i++) await recordAudit(db, { eventType: "resource.accessed", action: "read", actorUserId: ada.id, resourceId: `r${i}`, details: { i } });

  const verifyNow = async () => (await verifyRoute(bearerRequest(token, "/api/audit/verify"))).json();
  const checkpointNow = async () => {
    const response = await checkpointRoute(bearerRequest(token, "/api/audit/checkpoints", { method: "POST" }));
    expect(response.status).toBe(201);
    return response.json();
  };
  /** The table owner's powers: change rows behind the triggers' back. */
  const asOwner = async (statements: ReturnType<typeof sql>[]) => {
    await db.execute(sql`alter table audit_events disable trigger user`);
    await db.execute(sql`alter table audit_checkpoints disable trigger user`);
    for (const statement of statements) await db.execute(statement);
    await db.execute(sql`alter table audit_events enable trigger user`);
    await db.execute(sql`alter table audit_checkpoints enable trigger user`);
  };
  const rows = async (fromSeq: number) => selectRows<Row>(db, sql`select * from audit_events where seq >= ${fromSeq} order by seq`);

  it("an admin signs a checkpoint on demand; it is listed with the public key and verifies offline", async () => {
    expect((await checkpointRoute(bearerRequest(adaToken, "/api/audit/checkpoints", { method: "POST" }))).status).toBe(403);
    expect((await verifyNow()).checkpoint).toBeNull();
    const checkpoint = await checkpointNow();
    expect(checkpoint).toMatchObject({ seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/), signature: expect.any(String) });
    expect(checkpoint.seq).toBeGreaterThan(30);
    // The key was generated in DATA_DIR, readable by the node's user only; the latest checkpoint is there too.
    expect(statSync(checkpointKeyPath()).mode & 0o777).toBe(0o600);
    expect(readLocalCheckpoint()).toEqual(checkpoint);

    const listed = await (await listCheckpointsRoute(bearerRequest(token, "/api/audit/checkpoints"))).json();
    expect(listed.checkpoints[0]).toEqual(checkpoint);
    expect(listed.key_id).toBe(checkpoint.key_id);
    // Anyone with the exported public key can check the signature without the node.
    const publicKey = createPublicKey(listed.public_key);
    const statement = canonicalJson({ created_at: checkpoint.created_at, hash: checkpoint.hash, key_id: checkpoint.key_id, kind: "coderclawlink.audit.checkpoint", seq: checkpoint.seq, v: 1 });
    expect(verify(null, Buffer.from(statement), publicKey, Buffer.from(checkpoint.signature, "base64"))).toBe(true);
    expect(keyIdOf(publicKey)).toBe(checkpoint.key_id);

    const report = await verifyNow();
    expect(report).toMatchObject({ ok: true, checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash, source: "file" }, checkpoints: { trusted: 2, untrusted: 0 } });
  });

  it("a checkpoint signed by another key anchors nothing and is reported as untrusted", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const forged = { seq: 5, hash: "f".repeat(64), created_at: new Date().toISOString(), key_id: keyIdOf(publicKey) };
    await db.insert(auditCheckpoints).values({ seq: forged.seq, hash: forged.hash, createdAt: new Date(forged.created_at), keyId: forged.key_id, signature: sign(null, checkpointStatement(forged), privateKey).toString("base64") });
    const report = await verifyNow();
    expect(report).toMatchObject({ ok: true, checkpoints: { untrusted: 1 } });
    // And the table refuses to lose or change checkpoints.
    const refused = await db.execute(sql`delete from audit_checkpoints`).then(
      () => "deleted",
      (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message}`,
    );
    expect(refused).toMatch(/audit_checkpoints is append-only: DELETE refused/);
  });

  it("detects a rewrite that recomputes every later hash (the plain chain walk would not)", async () => {
    const { seq: anchored } = await checkpointNow();
    await sealAuditChain(db);
    const target = 10;
    const original = await rows(target);
    // Rewrite row 10 and re-chain everything after it, as the table owner could.
    let prevHash = original[0]!.prev_hash;
    const rewritten = original.map((row, i) => {
      const details = i === 0 ? { i: 999 } : row.details;
      const hash = chainHash(prevHash, {
        seq: Number(row.seq),
        occurredAt: new Date(row.occurred_at),
        eventType: row.event_type,
        actorUserId: row.actor_user_id,
        sessionId: row.session_id,
        deviceId: row.device_id,
        ip: row.ip,
        resourceType: row.resource_type,
        resourceId: row.resource_id,
        action: row.action,
        outcome: row.outcome,
        details,
      });
      const statement = sql`update audit_events set details = ${JSON.stringify(details)}::jsonb, prev_hash = ${prevHash}, hash = ${hash} where seq = ${row.seq}`;
      prevHash = hash;
      return statement;
    });
    await asOwner(rewritten);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    const report = await verifyNow();
    // Caught at the first checkpoint past the rewritten row.
    expect(report).toMatchObject({ ok: false, first_broken: { reason: "checkpoint_mismatch" } });
    expect(report.first_broken.seq).toBeGreaterThanOrEqual(target);
    expect(report.first_broken.seq).toBeLessThanOrEqual(anchored);

    // Put the original rows back: verification passes again.
    await asOwner(original.map((row) => sql`update audit_events set details = ${JSON.stringify(row.details)}::jsonb, prev_hash = ${row.prev_hash}, hash = ${row.hash} where seq = ${row.seq}`));
    expect((await verifyNow()).ok).toBe(true);
  });

  it("detects tail truncation against the checkpoint kept in DATA_DIR, even with the database's checkpoints deleted", async () => {
    const { seq: anchored } = await checkpointNow();
    const keep = anchored - 5;
    await asOwner([sql`delete from audit_events where seq > ${keep}`, sql`delete from audit_checkpoints`]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    const report = await verifyNow();
    expect(report).toMatchObject({ ok: false, first_broken: { reason: "truncated" }, checkpoint: { seq: anchored, source: "file" } });
    // Rows still waiting to be sealed (this request's own audit rows) may extend the cut chain a little.
    expect(report.first_broken.seq).toBeGreaterThan(keep);
    expect(report.first_broken.seq).toBeLessThanOrEqual(anchored);
    expect(readLocalCheckpoint()?.seq).toBe(anchored);
    expect(checkpointFilePath()).toContain(process.env.DATA_DIR!);
  });

  it("the sealer signs checkpoints at intervals when the head moved", async () => {
    const before = (await selectRows<{ n: number }>(db, sql`select count(*)::int as n from audit_checkpoints`))[0]!.n;
    await recordAudit(db, { eventType: "resource.accessed", action: "after-truncation" });
    const sealer = await startAuditSealer(database, { sealEveryMs: 50, electEveryMs: 100, checkpointEveryMs: 50 });
    try {
      const deadline = Date.now() + 20_000;
      while ((await selectRows<{ n: number }>(db, sql`select count(*)::int as n from audit_checkpoints`))[0]!.n === before) {
        if (Date.now() > deadline) throw new Error("no checkpoint from the sealer");
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await sealer.stop();
    }
  });

  it("takes the key from AUDIT_CHECKPOINT_KEY (PEM or base64 DER) instead of DATA_DIR", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const saved = process.env.AUDIT_CHECKPOINT_KEY;
    try {
      process.env.AUDIT_CHECKPOINT_KEY = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
      expect(loadCheckpointKey({ create: false })).toMatchObject({ keyId: keyIdOf(publicKey), source: "env" });
      process.env.AUDIT_CHECKPOINT_KEY = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      expect(loadCheckpointKey({ create: false })).toMatchObject({ keyId: keyIdOf(publicKey), source: "env" });
      process.env.AUDIT_CHECKPOINT_KEY = generateKeyPairSync("x25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      expect(() => loadCheckpointKey({ create: false })).toThrow(/Ed25519/);
    } finally {
      if (saved === undefined) delete process.env.AUDIT_CHECKPOINT_KEY;
      else process.env.AUDIT_CHECKPOINT_KEY = saved;
    }
  });
});
