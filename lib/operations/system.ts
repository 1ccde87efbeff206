import { z } from "zod";
import { sql } from "drizzle-orm";
import { getDatabase, migrationStatus, type DatabaseHandle } from "../db";
import { RETRY_AFTER_SECONDS } from "../db/errors";
import { AppError } from "../errors";
import { completePasswordReset, completePasswordResetSchema } from "../security/password-resets";
import { acceptInvite, acceptInviteSchema } from "../security/invites";
import { completeSetup, setupInputSchema } from "../security/setup";
import { operation } from "./define";
import { newUserRefSchema, userSchema } from "./shapes/security";

const healthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  database: z.object({
    kind: z.enum(["pglite", "postgres"]),
    migrations: z.object({ applied: z.number().int(), expected: z.number().int(), up_to_date: z.boolean(), latest: z.string().nullable() }),
  }),
  version: z.string(),
  time: z.string(),
});

const PROBE_TIMEOUT_MS = 3_000;

/** One trivial round trip, bounded: null when the database answered, else a short reason (no hosts or secrets). */
async function probeDatabase(handle: DatabaseHandle): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS)));
  const probe = handle.db.execute(sql`select 1`).then(
    () => null,
    (error: unknown) => reasonOf(error),
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[A-Z0-9_]{3,40}$/.test(e.code)) return e.code;
  }
  return "query failed";
}

/** What anyone may call: liveness, first-run setup and accepting an invite. */
export const systemOperations = {
  "system.health": operation({
    method: "GET",
    path: "/api/health",
    tag: "System",
    summary: "Liveness, database reachability and migration state",
    description:
      "Open to anyone; reveals no secrets. Answers 503 `unavailable` (with Retry-After) while the database is unreachable, so a load balancer takes the node out.",
    access: "public",
    output: healthResponse,
    errors: [503],
    run: async () => {
      const handle = await getDatabase();
      const problem = await probeDatabase(handle);
      if (problem) {
        throw new AppError(
          "unavailable",
          `The database is unreachable (${problem}); this node cannot serve requests until it is back`,
          { database: { kind: handle.kind, reachable: false, reason: problem } },
          { "retry-after": String(RETRY_AFTER_SECONDS) },
        );
      }
      const migrations = await migrationStatus(handle);
      return {
        status: migrations.upToDate ? ("ok" as const) : ("degraded" as const),
        database: { kind: handle.kind, migrations: { applied: migrations.applied, expected: migrations.expected, up_to_date: migrations.upToDate, latest: migrations.latest } },
        version: process.env.npm_package_version ?? "0.2.0",
        time: new Date().toISOString(),
      };
    },
  }),
  "onboarding.setup": operation({
    method: "POST",
    path: "/api/setup",
    tag: "Onboarding",
    summary: "First run: create the admin with the printed one-time setup token",
    access: "public",
    audits: ["auth.setup_completed"],
    body: setupInputSchema,
    status: 201,
    output: z.object({ user: newUserRefSchema }),
    errors: [403, 409, 429],
    run: async ({ db, body, meta }) => {
      const admin = await completeSetup(db, body, { ip: meta.ip });
      return { user: { id: admin.id, email: admin.email, name: admin.name, role: admin.role } };
    },
  }),
  "onboarding.resetPassword": operation({
    method: "POST",
    path: "/api/password-reset",
    tag: "Onboarding",
    summary: "Set a new password with a reset link's token",
    description: "Open to anyone holding a reset token (issued by an admin): works once, until it expires. Every session of the account ends; then sign in with the new password.",
    access: "public",
    audits: ["auth.password_reset"],
    body: completePasswordResetSchema,
    output: z.object({ email: z.string() }),
    errors: [403, 429],
    run: ({ db, body, meta }) => completePasswordReset(db, body, { ip: meta.ip }),
  }),
  "onboarding.acceptInvite": operation({
    method: "POST",
    path: "/api/invites/accept",
    tag: "Onboarding",
    summary: "Create an account from an invite token",
    description: "Open to anyone holding an invite token: creates the account once; then sign in as usual.",
    access: "public",
    audits: ["user.created"],
    body: acceptInviteSchema,
    status: 201,
    output: z.object({ user: userSchema }),
    errors: [403, 409, 429],
    run: async ({ db, body, meta }) => ({ user: await acceptInvite(db, body, { ip: meta.ip }) }),
  }),
};
