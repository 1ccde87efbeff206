import pino from "pino";

// JSON lines on stdout. Secrets never reach it: redact common credential fields as a backstop.
export const log = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "coderclawlink" },
  redact: {
    paths: ["password", "token", "authorization", "*.password", "*.token", "*.authorization", "*.apiKey", "*.api_key", "headers.authorization", "headers.cookie"],
    censor: "[redacted]",
  },
});

export type Logger = typeof log;
