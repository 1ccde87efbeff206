import { createHash } from "node:crypto";
import type { DbOrTx } from "../db/client";
import { auditEvents, type AuditEvent } from "../db/schema";
import type { AuthContext } from "./context";

/** The event types the seeds list, plus identity events. */
export const AUDIT_EVENT_TYPES = [
  "session.created",
  "session.deleted",
  "session.expired",
  "task.submitted",
  "task.started",
  "task.completed",
  "task.failed",
  "task.cancelled",
  "task.input_provided",
  "task.retried",
  "agent.executed",
  "agent.configured",
  "permission.granted",
  "permission.revoked",
  "permission.denied",
  "resource.accessed",
  "resource.created",
  "resource.modified",
  "resource.deleted",
  "auth.signin_succeeded",
  "auth.signin_failed",
  "auth.signed_out",
  "auth.setup_completed",
  "auth.password_changed",
  "auth.password_reset_issued",
  "auth.password_reset",
  "auth.signed_out_everywhere",
  "token.created",
  "token.revoked",
  "device.approved",
  "device.revoked",
  "node.registered",
  "node.approved",
  "node.revoked",
  "node.drained",
  "node.enrolment_created",
  "user.created",
  "user.disabled",
  "user.enabled",
  "role.changed",
  "policy.created",
  "policy.deleted",
  "skill.installed",
  "skill.modified",
  "skill.deleted",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditInput {
  eventType: AuditEventType;
  action: string;
  outcome?: "success" | "failure" | "denied";
  actorUserId?: string | null;
  sessionId?: string | null;
  deviceId?: string | null;
  ip?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  details?: Record<string, unknown>;
  occurredAt?: Date;
}

/** The who/where columns of an event, taken from the caller's context. */
export function actorOf(ctx: Pick<AuthContext, "user" | "session" | "ip">): Pick<AuditInput, "actorUserId" | "sessionId" | "deviceId" | "ip"> {
  return { actorUserId: ctx.user.id, sessionId: ctx.session?.id ?? null, deviceId: ctx.session?.deviceId ?? null, ip: ctx.ip };
}

export const GENESIS_HASH = "0".repeat(64);

/**
 * Record one event. Call it inside the transaction of the action it records, so both commit or
 * neither does. The row goes in unsealed and takes no lock: audited writes never wait on each
 * other. The sealer (audit-seal.ts) gives it its seq and hash once it has committed.
 */
export async function recordAudit(db: DbOrTx, input: AuditInput): Promise<AuditEvent> {
  const [inserted] = await db
    .insert(auditEvents)
    .values({
      occurredAt: input.occurredAt ?? new Date(),
      eventType: input.eventType,
      actorUserId: input.actorUserId ?? null,
      sessionId: input.sessionId ?? null,
      deviceId: input.deviceId ?? null,
      ip: input.ip ?? null,
      resourceType: input.resourceType ?? null,
      resourceId: input.resourceId ?? null,
      action: input.action,
      outcome: input.outcome ?? "success",
      // Store (and later hash) exactly what jsonb hands back: plain JSON (Dates as strings, undefined dropped).
      details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
    })
    .returning();
  return inserted!;
}

type ChainFields = { seq: number } & Pick<
  AuditEvent,
  | "occurredAt"
  | "eventType"
  | "actorUserId"
  | "sessionId"
  | "deviceId"
  | "ip"
  | "resourceType"
  | "resourceId"
  | "action"
  | "outcome"
  | "details"
>;

/** sha256(prev_hash + "\n" + canonical JSON of the row's content). */
export function chainHash(prevHash: string, row: ChainFields): string {
  const canonical = canonicalJson({
    seq: row.seq,
    occurred_at: row.occurredAt.toISOString(),
    event_type: row.eventType,
    actor_user_id: row.actorUserId,
    session_id: row.sessionId,
    device_id: row.deviceId,
    ip: row.ip,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    action: row.action,
    outcome: row.outcome,
    details: row.details,
  });
  return createHash("sha256").update(prevHash).update("\n").update(canonical).digest("hex");
}

/** JSON with object keys sorted at every depth, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
