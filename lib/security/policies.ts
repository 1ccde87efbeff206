import { and, eq, inArray, or } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { accessPolicies, type AccessPolicy } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import type { AuthContext } from "./context";

export type PolicyKind = AccessPolicy["kind"];

/**
 * Agent- and skill-level policies narrow agent:execute / skill:execute.
 * Rules match by role or by user; a deny always wins. If any allow rule exists for a target,
 * only the subjects it names may use it (an allow list); otherwise everyone with the permission may.
 */
export function decide(rules: Pick<AccessPolicy, "subjectType" | "subjectRole" | "subjectUserId" | "effect">[], ctx: Pick<AuthContext, "user">): boolean {
  const matches = (r: (typeof rules)[number]) =>
    (r.subjectType === "role" && r.subjectRole === ctx.user.role) || (r.subjectType === "user" && r.subjectUserId === ctx.user.id);
  if (rules.some((r) => r.effect === "deny" && matches(r))) return false;
  const allows = rules.filter((r) => r.effect === "allow");
  return allows.length === 0 || allows.some(matches);
}

async function rulesFor(db: DbOrTx, kind: PolicyKind, target: string) {
  return db
    .select()
    .from(accessPolicies)
    .where(and(eq(accessPolicies.kind, kind), or(eq(accessPolicies.target, target), eq(accessPolicies.target, "*"))));
}

export async function isAllowed(db: DbOrTx, ctx: AuthContext, kind: PolicyKind, target: string): Promise<boolean> {
  return decide(await rulesFor(db, kind, target), ctx);
}

/** Throws 403 (and audits permission.denied) if a policy forbids the caller this agent or any of these skills. */
export async function assertPolicies(db: DbOrTx, ctx: AuthContext, input: { agentType: string; skills?: string[] }): Promise<void> {
  const targets = [input.agentType, ...(input.skills ?? [])];
  const rules = await db.select().from(accessPolicies).where(inArray(accessPolicies.target, [...targets, "*"]));
  const check = (kind: PolicyKind, target: string) =>
    decide(rules.filter((r) => r.kind === kind && (r.target === target || r.target === "*")), ctx);
  const denied = !check("agent", input.agentType)
    ? { kind: "agent" as const, target: input.agentType }
    : (input.skills ?? []).filter((s) => !check("skill", s)).map((s) => ({ kind: "skill" as const, target: s }))[0];
  if (!denied) return;
  await recordAudit(db, {
    eventType: "permission.denied",
    action: `${denied.kind}:execute`,
    outcome: "denied",
    actorUserId: ctx.user.id,
    sessionId: ctx.session?.id,
    deviceId: ctx.session?.deviceId,
    ip: ctx.ip,
    resourceType: denied.kind,
    resourceId: denied.target,
    details: { reason: "policy" },
  });
  throw new AppError("forbidden", `A policy does not allow you to use the ${denied.kind} "${denied.target}"`, denied);
}
