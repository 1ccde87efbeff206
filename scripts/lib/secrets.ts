import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * next-auth needs AUTH_SECRET. A newcomer shouldn't have to invent one: generate it on first
 * start and keep it beside the embedded database (mode 0600), so sign-ins survive restarts.
 */
export function ensureAuthSecret(dataDir: string): "env" | "file" | "generated" {
  if (process.env.AUTH_SECRET) return "env";
  const file = path.resolve(dataDir, "auth-secret");
  if (existsSync(file)) {
    process.env.AUTH_SECRET = readFileSync(file, "utf8").trim();
    return "file";
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  process.env.AUTH_SECRET = secret;
  return "generated";
}
