import { z } from "zod";
import { PERMISSIONS, ROLES } from "../../security/permissions";

// Response shapes of lib/security's *Json serialisers (tokenJson, deviceJson, sessionJson,
// userJson, policyJson, inviteJson); `operation()` checks them against what those return.

const uuid = z.string().uuid();
const ts = z.string().describe("ISO 8601 timestamp");
const trust = z.enum(["pending", "trusted", "revoked"]);

export const deviceRefSchema = z.object({ device_id: z.string(), name: z.string().nullable(), trust });

export const sessionSchema = z.object({
  session_id: uuid,
  user_id: uuid,
  device: deviceRefSchema,
  status: z.string().describe("active | expired | revoked | device_revoked | user_disabled …"),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: ts,
  last_active_at: ts,
  expires_at: ts,
  ended_at: ts.nullable(),
});

export const openedSessionSchema = z.object({
  session_id: uuid,
  session_token: z.string().describe("Shown once: send it as Authorization: Bearer <token>"),
  user_id: uuid,
  device: deviceRefSchema,
  permissions: z.array(z.enum(PERMISSIONS)).describe("Narrowed to read-only until the device is trusted"),
  created_at: ts,
  last_active_at: ts,
  expires_at: ts,
});

export const memoryEntrySchema = z.object({ key: z.string(), value: z.unknown(), size_bytes: z.number().int(), updated_at: ts });
export const memoryListSchema = z.object({
  session_id: uuid,
  entries: z.array(memoryEntrySchema),
  usage: z.object({ keys: z.number().int(), bytes: z.number().int(), max_keys: z.number().int(), max_bytes: z.number().int(), max_value_bytes: z.number().int() }),
});

export const tokenSchema = z.object({
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

export const deviceSchema = z.object({
  id: uuid,
  device_id: z.string(),
  user_id: uuid,
  user_email: z.string().optional(),
  user_name: z.string().nullable().optional(),
  name: z.string().nullable(),
  trust,
  first_seen_at: ts,
  last_seen_at: ts,
  last_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  decided_by: uuid.nullable(),
  decided_at: ts.nullable(),
});

export const decidedDeviceSchema = deviceSchema.extend({ sessions_ended: z.number().int() });

export const userSchema = z.object({
  id: uuid,
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  status: z.enum(["active", "disabled"]),
  disabled_at: ts.nullable(),
  grants: z.array(z.string()).describe("Extra permissions on top of the role"),
  permissions: z.array(z.enum(PERMISSIONS)),
  created_at: ts,
  updated_at: ts,
});

export const newUserRefSchema = z.object({ id: uuid, email: z.string(), name: z.string().nullable(), role: z.enum(ROLES) });

export const policySchema = z.object({
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

export const inviteSchema = z.object({
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

export const linkWarning = z.string().nullable().describe("Why the link may not open for its recipient (APP_URL unset, loopback address); null when it is fine");

export const browserSessionSchema = z.object({
  id: uuid,
  provider: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: ts,
  last_seen_at: ts,
  expires_at: ts,
  current: z.boolean().describe("The session this request came with"),
});

export const passwordResetSchema = z.object({
  id: uuid,
  user_id: uuid,
  email: z.string(),
  expires_at: ts,
  token: z.string().describe("The secret, shown only in this response"),
  url: z.string().describe("The one-time link; the token travels in its #fragment"),
  link_warning: linkWarning,
});

export const sessionsEndedSchema = z.object({
  browser_sessions_ended: z.number().int(),
  runtime_sessions_ended: z.number().int(),
});
