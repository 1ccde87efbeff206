import { createHash, randomBytes } from "node:crypto";

/** A new secret with a readable prefix (`ccl_pat_…`, `ccl_ses_…`), 256 bits of randomness. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** Secrets are high-entropy, so a plain SHA-256 is the right at-rest form (lookup by hash). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

