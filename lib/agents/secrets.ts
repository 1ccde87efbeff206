import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

let cached: { source: string; key: Buffer } | undefined;

/**
 * The 32-byte key for agent secrets: CLAWLINK_ENCRYPTION_KEY (base64 or hex) when set,
 * else derived from AUTH_SECRET with HKDF so a default install still encrypts at rest.
 */
export function encryptionKey(): Buffer {
  const explicit = process.env.CLAWLINK_ENCRYPTION_KEY?.trim();
  const authSecret = process.env.AUTH_SECRET;
  const source = explicit ? `explicit:${explicit}` : `auth:${authSecret ?? ""}`;
  if (cached?.source === source) return cached.key;
  let key: Buffer;
  if (explicit) {
    key = parseExplicitKey(explicit);
  } else {
    if (!authSecret) throw new Error("Neither CLAWLINK_ENCRYPTION_KEY nor AUTH_SECRET is set: cannot encrypt agent secrets");
    key = Buffer.from(hkdfSync("sha256", authSecret, "clawlink-agent-configs", "agent-secrets-v1", 32));
  }
  cached = { source, key };
  return key;
}

function parseExplicitKey(raw: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, "hex");
  const decoded = Buffer.from(raw, "base64");
  if (decoded.length === 32) return decoded;
  throw new Error("CLAWLINK_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64");
}

/**
 * AES-256-GCM with a random IV; the agent type is the associated data, so a ciphertext
 * copied onto another agent's row fails to decrypt instead of leaking into the wrong CLI.
 */
export function encryptSecrets(agentType: string, secrets: Record<string, string>): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(), iv);
  cipher.setAAD(Buffer.from(agentType));
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(".");
}

export function decryptSecrets(agentType: string, stored: string): Record<string, string> {
  const [version, ivB64, tagB64, bodyB64] = stored.split(".");
  if (version !== VERSION || !ivB64 || !tagB64 || bodyB64 === undefined) throw new Error("Unknown secret format");
  const decipher = createDecipheriv("aes-256-gcm", encryptionKey(), Buffer.from(ivB64, "base64"));
  decipher.setAAD(Buffer.from(agentType));
  const tag = Buffer.from(tagB64, "base64");
  if (tag.length !== TAG_BYTES) throw new Error("Bad authentication tag");
  decipher.setAuthTag(tag);
  const plain = Buffer.concat([decipher.update(Buffer.from(bodyB64, "base64")), decipher.final()]).toString("utf8");
  const parsed: unknown = JSON.parse(plain);
  if (!parsed || typeof parsed !== "object") throw new Error("Bad secret payload");
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
}
