import { z } from "zod";
import { createTokenSchema } from "../../../security/api-tokens";
import { acceptInviteSchema, createInviteSchema } from "../../../security/invites";
import { PERMISSIONS, ROLES } from "../../../security/permissions";
import { createPolicySchema, listPoliciesQuery, updatePolicySchema } from "../../../security/policies";
import { openSessionSchema } from "../../../security/runtime-sessions";
import { memoryKeySchema } from "../../../security/session-memory";
import { setupInputSchema } from "../../../security/setup";
import { createUserSchema, listUsersQuery, permissionSchema, updateUserSchema } from "../../../security/users-admin";
import type { ApiOperation } from "./types";

// Request schemas are the security module's own; response shapes mirror its *Json serialisers
// (tokenJson, deviceJson, sessionJson, userJson, policyJson, inviteJson), which have no zod form.

const uuid = z.string().uuid();
const ts = z.string().describe("ISO 8601 timestamp");
const idParams = z.object({ id: uuid });
const flag = z.enum(["true", "false"]);

const deviceRef = z.object({ device_id: z.string(), name: z.string().nullable(), trust: z.enum(["pending", "trusted", "revoked"]) });

const sessionSchema = z.object({
  session_id: uuid,
  user_id: uuid,
  device: deviceRef,
  status: z.string().describe("active | expired | revoked | device_revoked | user_disabled …"),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: ts,
  last_active_at: ts,
  expires_at: ts,
  ended_at: ts.nullable(),
});

const openedSessionSchema = z.object({
  session_id: uuid,
  session_token: z.string().describe("Shown once: send it as Authorization: Bearer <token>"),
  user_id: uuid,
  device: deviceRef,
  permissions: z.array(z.enum(PERMISSIONS)).describe("Narrowed to read-only until the device is trusted"),
  created_at: ts,
  last_active_at: ts,
  expires_at: ts,
});

const memoryEntry = z.object({ key: z.string(), value: z.unknown(), size_bytes: z.number().int(), updated_at: ts });
const memoryList = z.object({
  session_id: uuid,
  entries: z.array(memoryEntry),
  usage: z.object({ keys: z.number().int(), bytes: z.number().int(), max_keys: z.number().int(), max_bytes: z.number().int(), max_value_bytes: z.number().int() }),
});

const tokenSchema = z.object({
  id: uuid,
  user_id: uuid,
  name: z.string(),
  prefix: z.string(),
  created_at: ts,
  expires_at: ts.nullable(),
  last_used_at: ts.nullable(),
  revoked_at: ts.nullable(),
  status: z.enum(["active", "expired", "revoked"]),
});

const deviceSchema = z.object({
  id: uuid,
  device_id: z.string(),
  user_id: uuid,
  user_email: z.string().optional(),
  user_name: z.string().nullable().optional(),
  name: z.string().nullable(),
  trust: z.enum(["pending", "trusted", "revoked"]),
  first_seen_at: ts,
  last_seen_at: ts,
  last_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  decided_by: uuid.nullable(),
  decided_at: ts.nullable(),
});

const userSchema = z.object({
  id: uuid,
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  status: z.enum(["active", "disabled"]),
  disabled_at: ts.nullable(),
  grants: z.array(z.enum(PERMISSIONS)),
  permissions: z.array(z.enum(PERMISSIONS)),
  created_at: ts,
  updated_at: ts,
});

const policySchema = z.object({
  id: uuid,
  kind: z.enum(["agent", "skill"]),
  target: z.string(),
  subject_type: z.enum(["role", "user"]),
  subject_role: z.enum(ROLES).nullable(),
  subject_user_id: uuid.nullable(),
  effect: z.enum(["allow", "deny"]),
  created_by: uuid.nullable(),
  created_at: ts,
});

const inviteSchema = z.object({
  id: uuid,
  email: z.string().nullable(),
  role: z.enum(ROLES),
  created_by: uuid.nullable(),
  created_at: ts,
  expires_at: ts.nullable(),
  used_at: ts.nullable(),
  used_by: uuid.nullable(),
  status: z.enum(["pending", "used", "expired"]),
});

const newUserRef = z.object({ id: uuid, email: z.string(), name: z.string().nullable(), role: z.enum(ROLES) });

export const sessionOperations: ApiOperation[] = [
  {
    method: "POST",
    path: "/api/runtime/sessions",
    tag: "Sessions",
    summary: "Open a runtime session on a device",
    description: "Returns the session token once. A new device starts pending (read-only) until trusted.",
    access: "authenticated",
    body: openSessionSchema,
    status: 201,
    response: openedSessionSchema,
  },
  {
    method: "GET",
    path: "/api/runtime/sessions",
    tag: "Sessions",
    summary: "The caller's runtime sessions",
    access: "authenticated",
    query: z.object({ include_ended: flag.optional() }),
    response: z.object({ sessions: z.array(sessionSchema) }),
  },
  { method: "GET", path: "/api/runtime/sessions/{id}", tag: "Sessions", summary: "One session (own, or any for admins)", access: "authenticated", params: idParams, response: sessionSchema },
  { method: "DELETE", path: "/api/runtime/sessions/{id}", tag: "Sessions", summary: "End a session now", access: "authenticated", params: idParams },
  {
    method: "GET",
    path: "/api/runtime/sessions/{id}/memory",
    tag: "Sessions",
    summary: "The session's private memory scope",
    access: "authenticated",
    params: idParams,
    response: memoryList,
  },
  { method: "DELETE", path: "/api/runtime/sessions/{id}/memory", tag: "Sessions", summary: "Clear the session's memory", access: "authenticated", params: idParams, errors: [409] },
  {
    method: "GET",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: "Sessions",
    summary: "Read one memory key",
    access: "authenticated",
    params: z.object({ id: uuid, key: memoryKeySchema }),
    response: memoryEntry,
  },
  {
    method: "PUT",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: "Sessions",
    summary: "Set one memory key (needs task:submit)",
    access: "authenticated",
    params: z.object({ id: uuid, key: memoryKeySchema }),
    body: z.object({ value: z.unknown() }).strict(),
    response: memoryEntry,
    errors: [409, 413],
  },
  {
    method: "DELETE",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: "Sessions",
    summary: "Delete one memory key",
    access: "authenticated",
    params: z.object({ id: uuid, key: memoryKeySchema }),
    errors: [409],
  },
];

export const accountOperations: ApiOperation[] = [
  {
    method: "GET",
    path: "/api/account/tokens",
    tag: "Account",
    summary: "The caller's API tokens (metadata only)",
    access: "authenticated",
    query: z.object({ include_revoked: flag.optional() }),
    response: z.object({ tokens: z.array(tokenSchema) }),
  },
  {
    method: "POST",
    path: "/api/account/tokens",
    tag: "Account",
    summary: "Create an API token; its secret is shown once",
    access: "authenticated",
    body: createTokenSchema,
    status: 201,
    response: tokenSchema.extend({ token: z.string().describe("The secret, shown only in this response") }),
    errors: [409],
  },
  {
    method: "DELETE",
    path: "/api/account/tokens/{id}",
    tag: "Account",
    summary: "Revoke one of the caller's tokens",
    access: "authenticated",
    params: idParams,
    status: 200,
    response: z.object({ token: tokenSchema }),
  },
  { method: "GET", path: "/api/account/devices", tag: "Account", summary: "The caller's devices and their trust", access: "authenticated", response: z.object({ devices: z.array(deviceSchema) }) },
  {
    method: "POST",
    path: "/api/account/devices/{id}/approve",
    tag: "Account",
    summary: "Trust one of your own pending devices",
    description: "Browser only: re-enter your password to confirm.",
    access: "authenticated",
    params: idParams,
    body: z.object({ password: z.string().min(1).max(1024) }).strict(),
    response: z.object({ device: deviceSchema }),
    errors: [409, 429],
  },
  {
    method: "POST",
    path: "/api/account/devices/{id}/revoke",
    tag: "Account",
    summary: "Revoke one of your own devices",
    description: "Every session on the device ends at once; only an admin can trust it again.",
    access: "authenticated",
    params: idParams,
    response: z.object({ device: deviceSchema }),
  },
  {
    method: "GET",
    path: "/api/account/sessions",
    tag: "Account",
    summary: "The caller's runtime sessions",
    access: "authenticated",
    query: z.object({ include_ended: flag.optional() }),
    response: z.object({ sessions: z.array(sessionSchema) }),
  },
];

export const adminOperations: ApiOperation[] = [
  { method: "GET", path: "/api/admin/users", tag: "Admin", summary: "Every account", access: "admin:users", query: listUsersQuery, response: z.object({ users: z.array(userSchema) }) },
  { method: "POST", path: "/api/admin/users", tag: "Admin", summary: "Create an account", access: "admin:users", body: createUserSchema, status: 201, response: userSchema, errors: [409] },
  { method: "GET", path: "/api/admin/users/{id}", tag: "Admin", summary: "One account", access: "admin:users", params: idParams, response: userSchema },
  {
    method: "PATCH",
    path: "/api/admin/users/{id}",
    tag: "Admin",
    summary: "Change name, role or disabled status",
    description: "Disabling ends the user's sessions; the last active admin cannot be demoted or disabled.",
    access: "admin:users",
    params: idParams,
    body: updateUserSchema,
    response: userSchema,
    errors: [409],
  },
  {
    method: "POST",
    path: "/api/admin/users/{id}/grants",
    tag: "Admin",
    summary: "Grant one extra permission",
    access: "admin:users",
    params: idParams,
    body: z.object({ permission: permissionSchema }).strict(),
    response: userSchema,
  },
  {
    method: "DELETE",
    path: "/api/admin/users/{id}/grants/{permission}",
    tag: "Admin",
    summary: "Withdraw an extra permission",
    access: "admin:users",
    params: z.object({ id: uuid, permission: permissionSchema }),
    status: 200,
    response: userSchema,
  },
  {
    method: "GET",
    path: "/api/admin/devices",
    tag: "Admin",
    summary: "Every user's devices, pending first",
    access: "admin:users",
    query: z.object({ trust: z.enum(["pending", "trusted", "revoked"]).optional(), user_id: uuid.optional() }),
    response: z.object({ devices: z.array(deviceSchema), pending_count: z.number().int() }),
  },
  {
    method: "POST",
    path: "/api/admin/devices/{id}/approve",
    tag: "Admin",
    summary: "Trust a device",
    access: "admin:users",
    params: idParams,
    response: z.object({ device: deviceSchema.extend({ sessions_ended: z.number().int() }) }),
  },
  {
    method: "POST",
    path: "/api/admin/devices/{id}/revoke",
    tag: "Admin",
    summary: "Revoke a device and end its sessions",
    access: "admin:users",
    params: idParams,
    response: z.object({ device: deviceSchema.extend({ sessions_ended: z.number().int() }) }),
  },
  {
    method: "GET",
    path: "/api/admin/sessions",
    tag: "Admin",
    summary: "Everyone's runtime sessions",
    access: "admin:users",
    query: z.object({ user_id: uuid.optional(), include_ended: flag.optional() }),
    response: z.object({ sessions: z.array(sessionSchema) }),
  },
  {
    method: "GET",
    path: "/api/admin/tokens",
    tag: "Admin",
    summary: "Everyone's API tokens (metadata only)",
    access: "admin:users",
    query: z.object({ user_id: uuid.optional(), include_revoked: flag.optional() }),
    response: z.object({ tokens: z.array(tokenSchema) }),
  },
  { method: "DELETE", path: "/api/admin/tokens/{id}", tag: "Admin", summary: "Revoke anyone's token", access: "admin:users", params: idParams, status: 200, response: z.object({ token: tokenSchema }) },
  { method: "GET", path: "/api/admin/policies", tag: "Admin", summary: "Agent and skill allow/deny rules", access: "admin:system", query: listPoliciesQuery, response: z.object({ policies: z.array(policySchema) }) },
  { method: "POST", path: "/api/admin/policies", tag: "Admin", summary: "Add an allow/deny rule", access: "admin:system", body: createPolicySchema, status: 201, response: policySchema, errors: [409] },
  { method: "PATCH", path: "/api/admin/policies/{id}", tag: "Admin", summary: "Flip a rule between allow and deny", access: "admin:system", params: idParams, body: updatePolicySchema, response: policySchema },
  { method: "DELETE", path: "/api/admin/policies/{id}", tag: "Admin", summary: "Delete a rule", access: "admin:system", params: idParams },
  { method: "GET", path: "/api/admin/invites", tag: "Admin", summary: "Invites and their status", access: "admin:users", response: z.object({ invites: z.array(inviteSchema) }) },
  {
    method: "POST",
    path: "/api/admin/invites",
    tag: "Admin",
    summary: "Invite someone with a role; the link is shown once",
    access: "admin:users",
    body: createInviteSchema,
    status: 201,
    response: inviteSchema.extend({ token: z.string(), url: z.string().describe("The one-time link; the token travels in its #fragment") }),
    errors: [409],
  },
  { method: "DELETE", path: "/api/admin/invites/{id}", tag: "Admin", summary: "Withdraw a pending invite", access: "admin:users", params: idParams, status: 200, response: z.object({ invite: inviteSchema }) },
];

export const onboardingOperations: ApiOperation[] = [
  {
    method: "POST",
    path: "/api/setup",
    tag: "Onboarding",
    summary: "First run: create the admin with the printed one-time setup token",
    access: "public",
    body: setupInputSchema,
    status: 201,
    response: z.object({ user: newUserRef }),
    errors: [403, 409, 429],
  },
  {
    method: "POST",
    path: "/api/invites/accept",
    tag: "Onboarding",
    summary: "Create an account from an invite token",
    access: "public",
    body: acceptInviteSchema,
    status: 201,
    response: z.object({ user: userSchema }),
    errors: [403, 409, 429],
  },
];
