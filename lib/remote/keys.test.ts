import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprintOf, generateNodeKeyPair, signChallenge, verifyChallenge } from "./keys";

describe("node keys", () => {
  it("a node's signature of its challenge verifies with its public key only", () => {
    const keys = generateNodeKeyPair();
    const other = generateNodeKeyPair();
    const nonce = randomBytes(32).toString("base64url");
    const signature = signChallenge(keys, nonce);
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyChallenge(keys.publicKey, nonce, signature)).toBe(true);
    expect(verifyChallenge(other.publicKey, nonce, signature)).toBe(false);
    // A signature of another connection's challenge (a replay) is refused.
    expect(verifyChallenge(keys.publicKey, randomBytes(32).toString("base64url"), signature)).toBe(false);
    expect(verifyChallenge(keys.publicKey, nonce, "garbage")).toBe(false);
    expect(verifyChallenge("not-a-key", nonce, signature)).toBe(false);
  });

  it("fingerprints are stable SHA256 digests of the raw key", () => {
    const keys = generateNodeKeyPair();
    expect(fingerprintOf(keys.publicKey)).toBe(fingerprintOf(keys.publicKey));
    expect(fingerprintOf(keys.publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintOf(generateNodeKeyPair().publicKey)).not.toBe(fingerprintOf(keys.publicKey));
  });
});
