import type { DbOrTx } from "../db/client";
import { recordAudit, type AuditEventType } from "../security/audit";
import type { AuthContext } from "../security/context";

export type BoardResourceType = "project" | "board_task";

/** Audit one board write; call inside the write's transaction so both commit or neither does. */
export async function auditBoardChange(
  tx: DbOrTx,
  ctx: AuthContext,
  event: {
    eventType: Extract<AuditEventType, "resource.created" | "resource.modified" | "resource.deleted">;
    action: string;
    resourceType: BoardResourceType;
    resourceId: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await recordAudit(tx, {
    eventType: event.eventType,
    action: event.action,
    outcome: "success",
    actorUserId: ctx.user.id,
    sessionId: ctx.session?.id ?? null,
    deviceId: ctx.session?.deviceId ?? null,
    ip: ctx.ip,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    details: { ...event.details, via: ctx.via, request_id: ctx.requestId },
  });
}
