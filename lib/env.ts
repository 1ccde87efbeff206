import { z } from "zod";

const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((value) => value === "1" || value === "true" || value === "yes");

/** "ADMIN=4,DEVELOPER=2" → { ADMIN: 4, DEVELOPER: 2 }; roles left out keep their default. */
const roleLimits = z
  .string()
  .regex(/^\s*(\s*(ADMIN|DEVELOPER|VIEWER|GUEST)\s*=\s*\d{1,6}\s*)(,\s*(ADMIN|DEVELOPER|VIEWER|GUEST)\s*=\s*\d{1,6}\s*)*$/, "expected ROLE=N pairs, e.g. ADMIN=4,DEVELOPER=2,GUEST=1")
  .transform((text) => Object.fromEntries(text.split(",").map((pair) => pair.split("=").map((part) => part.trim())).map(([role, n]) => [role, Number(n)])));

export const DEFAULT_RUNNING_TASKS_PER_USER = { ADMIN: 4, DEVELOPER: 2, VIEWER: 1, GUEST: 1 } as const;

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** postgres://… selects a real server; unset selects embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.string().url().optional().or(z.literal("").transform(() => undefined)),
  /**
   * Restricted-role deployment: migrations run as this (the tables' owner) and grant DATABASE_URL's
   * role what the app needs; the app itself then cannot disable the audit triggers. Postgres only.
   */
  MIGRATION_DATABASE_URL: z.string().url().optional().or(z.literal("").transform(() => undefined)),
  /** PostgreSQL: named prepared statements (one round trip per query); off for a pooler that cannot keep them (lib/db/prepare-by-default.ts). */
  DATABASE_PREPARE: z.enum(["on", "off"]).default("on"),
  DATA_DIR: z.string().min(1).default(".data"),
  /** shared_buffers of the embedded PGlite database (e.g. 64MB); default 16MB (lib/db/client.ts). */
  PGLITE_SHARED_BUFFERS: z.string().regex(/^\d+(kB|MB|GB)$/, "a size such as 16MB").optional().or(z.literal("").transform(() => undefined)),
  /** Skills synced into the catalogue at start-up; unset means the shipped ./skills folder. */
  SKILLS_DIR: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL used in printed links; defaults to http://HOST:PORT. */
  APP_URL: z.string().url().optional(),
  AUTH_SECRET: z.string().min(32).optional(),
  /** GitHub sign-in switches on when both are set. */
  AUTH_GITHUB_ID: z.string().min(1).optional(),
  AUTH_GITHUB_SECRET: z.string().min(1).optional(),
  /** Any OpenID Connect provider (Keycloak, Entra ID, Google…) switches on when all three are set. */
  AUTH_OIDC_ISSUER: z.string().url().optional(),
  AUTH_OIDC_ID: z.string().min(1).optional(),
  AUTH_OIDC_SECRET: z.string().min(1).optional(),
  AUTH_OIDC_NAME: z.string().min(1).default("Single sign-on"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Enables the built-in test agent outside NODE_ENV=test (e2e runs use it). */
  CLAWLINK_TEST_AGENT: booleanFlag,
  /** Tasks one node runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Run the worker inside the web process (default) or not (web-only node). */
  CLAWLINK_WORKER: z.enum(["on", "off"]).default("on"),
  /** How long a remote node may stay away before its runs fail node_lost (clawlink v1 lease). */
  CLAWLINK_NODE_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** How long a task's workspace is kept after its last use (unless a pull request from it is open). */
  WORKSPACE_RETENTION_HOURS: z.coerce.number().min(0).max(24 * 365).default(168),
  /** GitHub REST API base; set it for GitHub Enterprise (https://ghe.example.com/api/v3). */
  GITHUB_API_URL: z.string().url().default("https://api.github.com"),
  /** Where repositories are cloned from: `<base>/<owner>/<repo>.git` (GitHub Enterprise: its web URL). */
  GITHUB_GIT_URL: z.string().min(1).default("https://github.com"),
  /** A token used for projects without a credential of their own. */
  GITHUB_TOKEN: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  /** Believe X-Forwarded-For from a reverse proxy in front of us; otherwise the socket address is used. */
  TRUST_PROXY: booleanFlag,
  /**
   * Tasks one user may have planning or running at once, across the cluster, by role: one
   * person's hanging tasks cannot take every worker slot. Waiting tasks do not count.
   */
  RUNNING_TASKS_PER_USER: roleLimits
    .optional()
    .transform((overrides) => ({ ...DEFAULT_RUNNING_TASKS_PER_USER, ...overrides }) as Record<keyof typeof DEFAULT_RUNNING_TASKS_PER_USER, number>),
  /** Live (unexpired, not ended) runtime sessions one user may hold at once. */
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Devices one user may have waiting for approval at once; further new device ids are refused. */
  MAX_PENDING_DEVICES_PER_USER: z.coerce.number().int().min(1).max(10_000).default(5),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Validated environment, read once; `resetEnv()` lets tests change process.env. */
export function env(): Env {
  if (!cached) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
      throw new Error(`Invalid environment:\n${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}

export function resetEnv(): void {
  cached = undefined;
}

/**
 * The `clawlink` command's own settings, read on the machine it runs on (often not a node):
 * kept apart from the node's so a node setting in the shell never breaks the command.
 */
const cliEnvSchema = z.object({
  /** The node to talk to; overrides the URL saved by `clawlink login`. */
  CLAWLINK_URL: z.string().url().optional().or(z.literal("").transform(() => undefined)),
  /** An API token (ccl_pat_…) or runtime session token (ccl_ses_…); overrides the saved one. */
  CLAWLINK_TOKEN: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  /** Where `clawlink login` keeps its config.json (default: the user's config folder). */
  CLAWLINK_CONFIG_DIR: z.string().min(1).optional().or(z.literal("").transform(() => undefined)),
  /** Print the stack of an unexpected error (never shown otherwise). */
  CLAWLINK_DEBUG: booleanFlag,
  /** How `watch`/`--follow` get live output: the WebSocket, falling back to SSE when the node has none (auto), or only one of them. */
  CLAWLINK_LIVE: z.enum(["auto", "ws", "sse"]).default("auto"),
});

export type CliEnv = z.infer<typeof cliEnvSchema>;

/** The command's settings, validated at each call (it is short-lived; tests change them). */
export function cliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const parsed = cliEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

export function testAgentEnabled(): boolean {
  const e = env();
  return e.NODE_ENV === "test" || e.CLAWLINK_TEST_AGENT;
}
