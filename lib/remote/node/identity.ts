import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { NodeKeyPair } from "../keys";
import { generateNodeKeyPair } from "../keys";

const keyFile = z.object({
  public_key: z.string(),
  private_jwk: z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), d: z.string() }),
  created_at: z.string().optional(),
});

/**
 * The node's key pair, made on first start in its config folder: `node-key.json`, mode 0600 in a
 * 0700 folder, written atomically. The private key never leaves this file; the portal only ever
 * sees the public key and signatures.
 */
export function loadOrCreateNodeKeys(dir: string): { keys: NodeKeyPair; file: string; created: boolean } {
  const file = path.join(dir, "node-key.json");
  let text: string | null = null;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = null;
  }
  if (text !== null) {
    const parsed = keyFile.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.private_jwk.x !== parsed.data.public_key) throw new Error(`${file} is not a valid node key; move it away to make a new one (the node then pairs again)`);
    return { keys: { publicKey: parsed.data.public_key, privateJwk: parsed.data.private_jwk }, file, created: false };
  }
  const keys = generateNodeKeyPair();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ public_key: keys.publicKey, private_jwk: keys.privateJwk, created_at: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return { keys, file, created: true };
}
