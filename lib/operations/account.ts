import { z } from "zod";
import { createApiToken, createTokenSchema, listApiTokens, revokeApiToken } from "../security/api-tokens";
import { approveOwnDevice, decideDevice, listDevices } from "../security/devices";
import { listSessions } from "../security/runtime-sessions";
import { operation } from "./define";
import { includeEndedQuery } from "./sessions";
import { deviceSchema, sessionSchema, tokenSchema } from "./shapes/security";

const TAG = "Account";
const idParams = z.object({ id: z.string().uuid({ message: "must be a UUID" }) });

/** What every signed-in person manages for themselves: API tokens, devices, sessions. */
export const accountOperations = {
  "account.tokens.list": operation({
    method: "GET",
    path: "/api/account/tokens",
    tag: TAG,
    summary: "The caller's API tokens (metadata only)",
    access: "signed-in",
    scope: "own",
    query: z.object({ include_revoked: z.enum(["true", "false"]).optional() }),
    output: z.object({ tokens: z.array(tokenSchema) }),
    run: async ({ ctx, db, query }) => ({ tokens: await listApiTokens(db, ctx, { userId: ctx.user.id, includeRevoked: query.include_revoked === "true" }) }),
  }),
  "account.tokens.create": operation({
    method: "POST",
    path: "/api/account/tokens",
    tag: TAG,
    summary: "Create an API token; its secret is shown once",
    access: "trusted",
    audits: ["token.created"],
    body: createTokenSchema,
    status: 201,
    output: tokenSchema.extend({ token: z.string().describe("The secret, shown only in this response") }),
    errors: [409],
    run: ({ ctx, db, body }) => createApiToken(db, ctx, body),
  }),
  "account.tokens.revoke": operation({
    method: "DELETE",
    path: "/api/account/tokens/{id}",
    tag: TAG,
    summary: "Revoke one of the caller's tokens",
    access: "trusted",
    scope: "own",
    audits: ["token.revoked"],
    params: idParams,
    output: z.object({ token: tokenSchema }),
    run: async ({ ctx, db, params }) => ({ token: await revokeApiToken(db, ctx, params.id) }),
  }),
  "account.devices.list": operation({
    method: "GET",
    path: "/api/account/devices",
    tag: TAG,
    summary: "The caller's devices and their trust",
    access: "signed-in",
    scope: "own",
    output: z.object({ devices: z.array(deviceSchema) }),
    run: async ({ ctx, db }) => ({ devices: await listDevices(db, ctx, { userId: ctx.user.id }) }),
  }),
  "account.devices.approve": operation({
    method: "POST",
    path: "/api/account/devices/{id}/approve",
    tag: TAG,
    summary: "Trust one of your own pending devices",
    description: "Browser only: re-enter your password to confirm.",
    access: "trusted",
    scope: "own",
    audits: ["device.approved"],
    params: idParams,
    body: z.object({ password: z.string().min(1).max(1024) }).strict(),
    output: z.object({ device: deviceSchema }),
    errors: [409, 429],
    run: async ({ ctx, db, params, body }) => ({ device: await approveOwnDevice(db, ctx, params.id, body.password) }),
  }),
  "account.devices.revoke": operation({
    method: "POST",
    path: "/api/account/devices/{id}/revoke",
    tag: TAG,
    summary: "Revoke one of your own devices",
    description: "Every session on the device ends at once; only an admin can trust it again.",
    access: "trusted",
    scope: "own",
    audits: ["device.revoked"],
    params: idParams,
    output: z.object({ device: deviceSchema }),
    run: async ({ ctx, db, params }) => ({ device: await decideDevice(db, ctx, params.id, "revoked", { ownerId: ctx.user.id }) }),
  }),
  "account.sessions.list": operation({
    method: "GET",
    path: "/api/account/sessions",
    tag: TAG,
    summary: "The caller's runtime sessions",
    access: "signed-in",
    scope: "own",
    query: includeEndedQuery,
    output: z.object({ sessions: z.array(sessionSchema) }),
    run: async ({ ctx, db, query }) => ({ sessions: await listSessions(db, ctx, { userId: ctx.user.id, includeEnded: query.include_ended === "true" }) }),
  }),
};
