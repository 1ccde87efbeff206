import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";

/**
 * The Ed25519 key that signs audit checkpoints. It never enters the database: it comes from
 * AUDIT_CHECKPOINT_KEY (PEM, or base64 of the PKCS#8 DER), or from DATA_DIR/audit-checkpoint.key
 * (PEM, mode 0600), generated on first use. Every node of a cluster should share the key
 * (set the same AUDIT_CHECKPOINT_KEY) so each can verify the others' checkpoints.
 */
export interface CheckpointKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** sha256 of the public key's SPKI DER, first 16 bytes as hex. */
  keyId: string;
  /** The public key as SPKI PEM, for anyone verifying exported checkpoints offline. */
  publicKeyPem: string;
  source: "env" | "file";
}

export const CHECKPOINT_KEY_FILE = "audit-checkpoint.key";

export function checkpointKeyPath(dataDir = env().DATA_DIR): string {
  return path.resolve(/*turbopackIgnore: true*/ dataDir, CHECKPOINT_KEY_FILE);
}

function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith("-----BEGIN") ? createPrivateKey(trimmed) : createPrivateKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "pkcs8" });
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`AUDIT_CHECKPOINT_KEY must be an Ed25519 private key (got ${key.asymmetricKeyType})`);
  return key;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ format: "der", type: "spki" })).digest("hex").slice(0, 32);
}

function describe(privateKey: KeyObject, source: CheckpointKey["source"]): CheckpointKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(), source };
}

/**
 * The node's checkpoint key. With `create`, a missing key file is generated (only the writer of
 * checkpoints creates one; verifying never does). Returns null when there is none.
 */
export function loadCheckpointKey(options: { create: boolean; dataDir?: string }): CheckpointKey | null {
  const fromEnv = process.env.AUDIT_CHECKPOINT_KEY;
  if (fromEnv) return describe(parsePrivateKey(fromEnv), "env");
  const file = checkpointKeyPath(options.dataDir);
  try {
    return describe(parsePrivateKey(readFileSync(file, "utf8")), "file");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (!options.create) return null;
  mkdirSync(path.dirname(file), { recursive: true });
  const { privateKey } = generateKeyPairSync("ed25519");
  try {
    // wx: two processes starting together must not overwrite each other's key.
    writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return describe(parsePrivateKey(readFileSync(file, "utf8")), "file");
  }
  return describe(privateKey, "file");
}
