import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { prebuilt } from "../db/prebuilt";
import { agentConfigs, type AgentConfig } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { AgentError } from "./errors";
import { findAgent, registeredAgents } from "./registry";
import { decryptSecrets, encryptSecrets } from "./secrets";
import { AGENT_SETTINGS, parseEnvValue, settingSpecs, toCamel, toSnake, type SettingSpec } from "./settings";
import type { AgentSettings } from "./types";

type SettingValue = string | number | boolean;

/** The agent_type a row is stored under: aliases (openhands) share their agent's row. */
export function canonicalAgentType(agentType: string): string {
  return findAgent(agentType)?.type ?? (agentType === "openhands" ? "opendevin" : agentType);
}

function isKnownAgent(agentType: string): boolean {
  return settingSpecs(agentType).length > 0 || findAgent(agentType) !== undefined;
}

const selectRow = prebuilt<{ agentType: string }, AgentConfig[]>((db) =>
  db.select().from(agentConfigs).where(eq(agentConfigs.agentType, sql.placeholder("agentType"))).limit(1).prepare("agent_config_row"),
);

/** Read by every task run (its settings), so built once. */
async function loadRow(db: DbOrTx, agentType: string): Promise<AgentConfig | undefined> {
  const [row] = await selectRow(db, { agentType });
  return row;
}

function storedSecrets(agentType: string, row: AgentConfig | undefined): Record<string, string> {
  if (!row?.secretsEncrypted) return {};
  try {
    return decryptSecrets(agentType, row.secretsEncrypted);
  } catch {
    throw new AgentError(
      "not_configured",
      `Stored secrets for ${agentType} cannot be decrypted (was CLAWLINK_ENCRYPTION_KEY or AUTH_SECRET changed?); enter them again`,
    );
  }
}

/** Defaults < environment: the settings of a process without a database (a remote node uses its own environment). */
export function envAgentSettings(agentType: string): AgentSettings {
  const type = canonicalAgentType(agentType);
  const settings: AgentSettings = {};
  for (const spec of settingSpecs(type)) {
    const value = parseEnvValue(spec, spec.env ? process.env[spec.env] : undefined) ?? spec.default;
    if (value !== undefined) settings[spec.key] = value;
  }
  return settings;
}

/**
 * Effective settings for one agent: defaults < environment < stored settings < stored secrets,
 * plus `enabled`. The result holds decrypted secrets: pass it to the adapter, never to a client.
 */
export async function resolveAgentSettings(db: DbOrTx, agentType: string): Promise<AgentSettings> {
  const type = canonicalAgentType(agentType);
  const row = await loadRow(db, type);
  const settings = envAgentSettings(type);
  for (const [key, value] of Object.entries(row?.settings ?? {})) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") settings[key] = value;
  }
  Object.assign(settings, storedSecrets(type, row));
  settings.enabled = row?.enabled ?? true;
  return settings;
}

export async function isAgentEnabled(db: DbOrTx, agentType: string): Promise<boolean> {
  const row = await loadRow(db, canonicalAgentType(agentType));
  return row?.enabled ?? true;
}

export interface AgentConfigView {
  agent_type: string;
  enabled: boolean;
  settings: Record<string, SettingValue | null>;
  /** Never the value: only whether one is in effect and where it comes from. */
  secrets: Record<string, { set: boolean; source: "database" | "environment" | null }>;
  fields: Array<{
    name: string;
    label: string;
    type: SettingSpec["type"];
    secret: boolean;
    env: string | null;
    default: SettingValue | null;
    options: readonly string[] | null;
    help: string | null;
    /** Where the effective value comes from. */
    source: "database" | "environment" | "default" | null;
  }>;
  updated_at: string | null;
  updated_by: string | null;
}

/** The admin view of an agent's configuration; secrets appear only as `{set, source}`. */
/** One agent's configuration, secrets only as {set, source} (agent:configure). */
export async function getAgentConfig(db: DbOrTx, ctx: AuthContext, agentType: string): Promise<AgentConfigView> {
  await authorize(ctx, "agent:configure");
  return configView(db, agentType);
}

async function configView(db: DbOrTx, agentType: string): Promise<AgentConfigView> {
  const type = canonicalAgentType(agentType);
  if (!isKnownAgent(type)) throw AppError.notFound("Agent");
  const row = await loadRow(db, type);
  const stored = row?.settings ?? {};
  let secretKeys: string[] = [];
  if (row?.secretsEncrypted) {
    try {
      secretKeys = Object.keys(decryptSecrets(type, row.secretsEncrypted));
    } catch {
      // Undecryptable secrets count as unset: the admin sees "not set" and re-enters them.
    }
  }
  const settings: AgentConfigView["settings"] = {};
  const secrets: AgentConfigView["secrets"] = {};
  const fields: AgentConfigView["fields"] = [];
  for (const spec of settingSpecs(type)) {
    const name = toSnake(spec.key);
    const fromEnv = spec.env ? parseEnvValue(spec, process.env[spec.env]) : undefined;
    const fromDb = spec.secret ? undefined : (stored[spec.key] as SettingValue | undefined);
    const inDb = spec.secret ? secretKeys.includes(spec.key) : fromDb !== undefined;
    const source = inDb ? "database" : fromEnv !== undefined ? "environment" : spec.default !== undefined ? "default" : null;
    if (spec.secret) secrets[name] = { set: inDb || fromEnv !== undefined, source: source === "default" ? null : source };
    else settings[name] = fromDb ?? fromEnv ?? spec.default ?? null;
    fields.push({
      name,
      label: spec.label,
      type: spec.type,
      secret: Boolean(spec.secret),
      env: spec.env ?? null,
      default: spec.secret ? null : (spec.default ?? null),
      options: spec.options ?? null,
      help: spec.help ?? null,
      source,
    });
  }
  return {
    agent_type: type,
    enabled: row?.enabled ?? true,
    settings,
    secrets,
    fields,
    updated_at: row?.updatedAt.toISOString() ?? null,
    updated_by: row?.updatedBy ?? null,
  };
}

export const agentConfigUpdateSchema = z
  .object({
    enabled: z.boolean().optional(),
    /** snake_case names; null resets a setting to its environment/default value. */
    settings: z.record(z.string(), z.union([z.string().max(20_000), z.number(), z.boolean(), z.null()])).optional(),
    /** snake_case names; null removes the stored secret. */
    secrets: z.record(z.string(), z.union([z.string().min(1).max(20_000), z.null()])).optional(),
  })
  .strict();

export type AgentConfigUpdate = z.infer<typeof agentConfigUpdateSchema>;

type Issue = { path: string; message: string };

function checkValue(spec: SettingSpec, value: SettingValue): SettingValue | Issue {
  const path = `settings.${toSnake(spec.key)}`;
  switch (spec.type) {
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return { path, message: "must be a number" };
      if (spec.min !== undefined && value < spec.min) return { path, message: `must be at least ${spec.min}` };
      if (spec.max !== undefined && value > spec.max) return { path, message: `must be at most ${spec.max}` };
      return value;
    case "boolean":
      return typeof value === "boolean" ? value : { path, message: "must be true or false" };
    case "enum":
      return typeof value === "string" && spec.options?.includes(value) ? value : { path, message: `must be one of ${spec.options?.join(", ")}` };
    case "url":
      if (typeof value !== "string" || !/^https?:\/\/[^\s/]+/.test(value)) return { path, message: "must be an http(s) URL" };
      return value.replace(/\/+$/, "");
    default:
      if (typeof value !== "string") return { path, message: "must be a string" };
      if (spec.pattern && !spec.pattern.test(value.trim())) return { path, message: spec.patternMessage ?? "has the wrong format" };
      return value.trim();
  }
}

/**
 * Validate and store an admin's change, audited in the same transaction. Unknown names,
 * wrong types and secrets sent as plain settings are rejected with 422 before anything is written.
 */
export async function updateAgentConfig(db: Database, ctx: AuthContext, agentType: string, update: AgentConfigUpdate): Promise<AgentConfigView> {
  await authorize(ctx, "agent:configure");
  const type = canonicalAgentType(agentType);
  if (!isKnownAgent(type)) throw AppError.notFound("Agent");
  const specs = new Map(settingSpecs(type).map((s) => [s.key, s]));
  const issues: Issue[] = [];
  const settingChanges: Record<string, SettingValue | null> = {};
  for (const [name, value] of Object.entries(update.settings ?? {})) {
    const spec = specs.get(toCamel(name));
    if (!spec) issues.push({ path: `settings.${name}`, message: `unknown setting for ${type}` });
    else if (spec.secret) issues.push({ path: `settings.${name}`, message: "is a secret: send it under secrets" });
    else if (value === null) settingChanges[spec.key] = null;
    else {
      const checked = checkValue(spec, value);
      if (typeof checked === "object") issues.push(checked);
      else settingChanges[spec.key] = checked;
    }
  }
  const secretChanges: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(update.secrets ?? {})) {
    const spec = specs.get(toCamel(name));
    if (!spec?.secret) issues.push({ path: `secrets.${name}`, message: `${type} has no secret named ${name}` });
    else secretChanges[spec.key] = value;
  }
  if (issues.length > 0) throw new AppError("validation_failed", "Agent configuration is invalid", { issues });

  // Read-modify-write of one row plus its audit entry: both commit or neither does.
  await db.transaction(async (tx) => {
    const row = await loadRow(tx, type);
    const settings: Record<string, unknown> = { ...(row?.settings ?? {}) };
    for (const [key, value] of Object.entries(settingChanges)) {
      if (value === null) delete settings[key];
      else settings[key] = value;
    }
    let secretsEncrypted = row?.secretsEncrypted ?? null;
    if (Object.keys(secretChanges).length > 0) {
      const secrets = row?.secretsEncrypted ? safeDecrypt(type, row.secretsEncrypted) : {};
      for (const [key, value] of Object.entries(secretChanges)) {
        if (value === null) delete secrets[key];
        else secrets[key] = value;
      }
      secretsEncrypted = Object.keys(secrets).length > 0 ? encryptSecrets(type, secrets) : null;
    }
    const values = { settings, secretsEncrypted, enabled: update.enabled ?? row?.enabled ?? true, updatedBy: ctx.user.id, updatedAt: new Date() };
    await tx
      .insert(agentConfigs)
      .values({ agentType: type, ...values })
      .onConflictDoUpdate({ target: agentConfigs.agentType, set: values });
    await recordAudit(tx, {
      eventType: "agent.configured",
      action: "agent.configure",
      actorUserId: ctx.user.id,
      sessionId: ctx.session?.id,
      deviceId: ctx.session?.deviceId,
      ip: ctx.ip,
      resourceType: "agent",
      resourceId: type,
      // Names only: the audit log must never hold a secret or its ciphertext.
      details: {
        enabled: values.enabled,
        settings_changed: Object.keys(settingChanges).map(toSnake),
        secrets_changed: Object.keys(secretChanges).map(toSnake),
      },
    });
  });
  return configView(db, type);
}

/** Keep what can still be read when an admin replaces secrets after a key change. */
function safeDecrypt(type: string, stored: string): Record<string, string> {
  try {
    return decryptSecrets(type, stored);
  } catch {
    return {};
  }
}

/** Every configurable agent (built-in specs plus registered adapters), for the admin page. */
export async function listAgentConfigs(db: DbOrTx, ctx: AuthContext): Promise<AgentConfigView[]> {
  await authorize(ctx, "agent:configure");
  const types = new Set([...Object.keys(AGENT_SETTINGS), ...registeredAgents().map((a) => a.type)]);
  return Promise.all([...types].sort().map((type) => configView(db, type)));
}
