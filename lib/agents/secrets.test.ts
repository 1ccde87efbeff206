import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decryptSecrets, encryptSecrets, encryptionKey } from "./secrets";

const saved = { key: process.env.CLAWLINK_ENCRYPTION_KEY, auth: process.env.AUTH_SECRET };

describe("agent secret encryption (AES-256-GCM)", () => {
  afterEach(() => {
    process.env.CLAWLINK_ENCRYPTION_KEY = saved.key;
    process.env.AUTH_SECRET = saved.auth;
    if (saved.key === undefined) delete process.env.CLAWLINK_ENCRYPTION_KEY;
    if (saved.auth === undefined) delete process.env.AUTH_SECRET;
  });

  it("round-trips, with a fresh IV each time", () => {
    process.env.CLAWLINK_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    const a = encryptSecrets("claude", { apiKey: "sk-1" });
    const b = encryptSecrets("claude", { apiKey: "sk-1" });
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk-1");
    expect(decryptSecrets("claude", a)).toEqual({ apiKey: "sk-1" });
  });

  it("binds the ciphertext to its agent type and detects tampering", () => {
    process.env.CLAWLINK_ENCRYPTION_KEY = randomBytes(32).toString("hex");
    const stored = encryptSecrets("claude", { apiKey: "sk-1" });
    expect(() => decryptSecrets("goose", stored)).toThrow();
    const parts = stored.split(".");
    const body = Buffer.from(parts[3], "base64");
    body[0] ^= 1;
    expect(() => decryptSecrets("claude", [parts[0], parts[1], parts[2], body.toString("base64")].join("."))).toThrow();
  });

  it("fails to decrypt after the key changes", () => {
    process.env.CLAWLINK_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    const stored = encryptSecrets("ollama", { apiKey: "k" });
    process.env.CLAWLINK_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    expect(() => decryptSecrets("ollama", stored)).toThrow();
  });

  it("derives a key from AUTH_SECRET when no explicit key is set, and rejects malformed keys", () => {
    delete process.env.CLAWLINK_ENCRYPTION_KEY;
    process.env.AUTH_SECRET = "x".repeat(40);
    const derived = encryptionKey();
    expect(derived).toHaveLength(32);
    expect(encryptionKey().equals(derived)).toBe(true);
    process.env.AUTH_SECRET = "y".repeat(40);
    expect(encryptionKey().equals(derived)).toBe(false);
    process.env.CLAWLINK_ENCRYPTION_KEY = "too-short";
    expect(() => encryptionKey()).toThrow(/32 bytes/);
    delete process.env.CLAWLINK_ENCRYPTION_KEY;
    delete process.env.AUTH_SECRET;
    expect(() => encryptionKey()).toThrow(/AUTH_SECRET/);
  });
});
