import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkpointStatement, signatureValid, type Checkpoint } from "./audit-checkpoints";
import { keyIdOf } from "./checkpoint-key";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const key = { publicKey, keyId: keyIdOf(publicKey) };
const signed = (c: Omit<Checkpoint, "signature" | "node_id">, by = privateKey): Checkpoint => ({ ...c, signature: sign(null, checkpointStatement(c), by).toString("base64"), node_id: null });
const base = { seq: 42, hash: "a".repeat(64), created_at: "2030-01-01T00:00:00.000Z", key_id: key.keyId };

describe("checkpoint signatures", () => {
  it("the statement is canonical JSON of exactly what the checkpoint asserts", () => {
    expect(checkpointStatement(base).toString()).toBe(`{"created_at":"2030-01-01T00:00:00.000Z","hash":"${"a".repeat(64)}","key_id":"${key.keyId}","kind":"coderclawlink.audit.checkpoint","seq":42,"v":1}`);
  });

  it("accepts the key's own signature and nothing that changes seq, hash, time or key", () => {
    const checkpoint = signed(base);
    expect(signatureValid(checkpoint, key)).toBe(true);
    expect(signatureValid({ ...checkpoint, seq: 43 }, key)).toBe(false);
    expect(signatureValid({ ...checkpoint, hash: "b".repeat(64) }, key)).toBe(false);
    expect(signatureValid({ ...checkpoint, created_at: "2031-01-01T00:00:00.000Z" }, key)).toBe(false);
    expect(signatureValid({ ...checkpoint, signature: "not base64 at all" }, key)).toBe(false);
    const other = generateKeyPairSync("ed25519");
    expect(signatureValid(signed({ ...base, key_id: keyIdOf(other.publicKey) }, other.privateKey), key)).toBe(false);
    // Another key's signature presented under this key's id.
    expect(signatureValid(signed(base, other.privateKey), key)).toBe(false);
  });
});
