import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { challengeMessage } from "./protocol";

/** A node's Ed25519 identity: the public key as raw base64url (what the portal stores), the private key as JWK. */
export interface NodeKeyPair {
  publicKey: string;
  privateJwk: { kty: "OKP"; crv: "Ed25519"; x: string; d: string };
}

export function generateNodeKeyPair(): NodeKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as NodeKeyPair["privateJwk"];
  return { publicKey: jwk.x, privateJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d } };
}

/** SHA256:<base64>, as OpenSSH prints key fingerprints: what an admin compares before approving. */
export function fingerprintOf(publicKey: string): string {
  const raw = Buffer.from(publicKey, "base64url");
  return `SHA256:${createHash("sha256").update(raw).digest("base64").replace(/=+$/, "")}`;
}

export function signChallenge(keys: NodeKeyPair, nonce: string): string {
  const key = createPrivateKey({ key: keys.privateJwk, format: "jwk" });
  return sign(null, challengeMessage(nonce, keys.publicKey), key).toString("base64url");
}

/** Whether `signature` is the key's signature of this connection's challenge; never throws. */
export function verifyChallenge(publicKey: string, nonce: string, signature: string): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey }, format: "jwk" });
  } catch {
    return false;
  }
  try {
    return verify(null, challengeMessage(nonce, publicKey), key, Buffer.from(signature, "base64url"));
  } catch {
    return false;
  }
}
