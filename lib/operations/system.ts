import { z } from "zod";
import { completePasswordReset, completePasswordResetSchema } from "../security/password-resets";
import { getDatabase, migrationStatus } from "../db";
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

/** What anyone may call: liveness, first-run setup and accepting an invite. */
export const systemOperations = {
  "system.health": operation({
    method: "GET",
    path: "/api/health",
    tag: "System",
    summary: "Liveness and migration state",
    description: "Open to anyone; reveals no secrets.",
    access: "public",
    output: healthResponse,
    run: async () => {
      const handle = await getDatabase();
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
