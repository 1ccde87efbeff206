import pino from "pino";
import { safeError } from "./log-errors";

// JSON lines on stdout. Secrets never reach it: errors go through safeError (no query
// parameters, row values or request bodies), and common credential fields are redacted as a backstop.
export const log = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "coderclawlink" },
  serializers: { err: safeError, error: safeError, cause: safeError },
  redact: {
    paths: [
      "password",
      "token",
      "authorization",
      "cookie",
      "body",
      "*.password",
      "*.passwordHash",
      "*.password_hash",
      "*.token",
      "*.tokenHash",
      "*.token_hash",
      "*.secret",
      "*.authorization",
      "*.cookie",
      "*.apiKey",
      "*.api_key",
      "*.body",
      "headers.authorization",
      "headers.cookie",
    ],
    censor: "[redacted]",
  },
});

export type Logger = typeof log;
