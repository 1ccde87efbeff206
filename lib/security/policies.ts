import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database, DbOrTx } from "../db/client";
import { accessPolicies, users, type AccessPolicy } from "../db/schema";
import { AppError } from "../errors";
import { actorOf, recordAudit } from "./audit";
import { authorize } from "./authorize";
import type { AuthContext } from "./context";
import { ROLES } from "./permissions";

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

export type Rule = Pick<AccessPolicy, "kind" | "target" | "subjectType" | "subjectRole" | "subjectUserId" | "effect">;

/** An agent or skill as policies see it: its canonical name and any aliases a rule may have been stored under. */
export interface PolicySubject {
  name: string;
  aliases?: readonly string[];
}

/** The rules that apply to one agent or skill: its own name, any alias, or "*". */
function rulesFor(rules: Rule[], kind: PolicyKind, subject: PolicySubject): Rule[] {
  const names = new Set([subject.name, ...(subject.aliases ?? []), "*"]);
  return rules.filter((r) => r.kind === kind && names.has(r.target));
}

async function loadRules(db: DbOrTx, kind?: PolicyKind): Promise<Rule[]> {
  return db.select().from(accessPolicies).where(kind ? eq(accessPolicies.kind, kind) : undefined);
}

export async function isAllowed(db: DbOrTx, ctx: AuthContext, kind: PolicyKind, subject: PolicySubject): Promise<boolean> {
  return decide(rulesFor(await loadRules(db, kind), kind, subject), ctx);
}

/** Why the caller may not run each agent (permission, then policy), or null when they may: one query for all. */
export async function agentRefusals(db: DbOrTx, ctx: AuthContext, agents: readonly PolicySubject[]): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>();
  if (!ctx.permissions.has("agent:execute")) {
    const reason =
      ctx.session && ctx.session.trust !== "trusted"
        ? "This session's device is not approved yet: it may only read"
        : `Your role (${ctx.user.role}) may not run agents: it lacks agent:execute`;
    for (const agent of agents) result.set(agent.name, reason);
    return result;
  }
  const rules = await loadRules(db, "agent");
  for (const agent of agents) result.set(agent.name, decide(rulesFor(rules, "agent", agent), ctx) ? null : "A policy does not allow you to use this agent");
  return result;
}

/**
 * Throws 403 (and audits permission.denied) if a policy forbids the caller this agent or any of
 * these skills. `rules`: every policy row, when the caller already read them (submit reads them
 * with its other admission facts in one statement); otherwise they are read here.
 */
export async function assertPolicies(db: DbOrTx, ctx: AuthContext, input: { agentType: string; agentAliases?: readonly string[]; skills?: string[] }, rules?: Rule[]): Promise<void> {
  rules ??= await loadRules(db);
  const denied = !decide(rulesFor(rules, "agent", { name: input.agentType, aliases: input.agentAliases }), ctx)
    ? { kind: "agent" as const, target: input.agentType }
    : (input.skills ?? []).filter((s) => !decide(rulesFor(rules, "skill", { name: s }), ctx)).map((s) => ({ kind: "skill" as const, target: s }))[0];
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

/**
 * What a policy may name. Agents and skills live in layers above security, so whoever creates a
 * policy passes their lookup: the canonical agent type for a type or alias, and whether a skill exists.
 */
export interface PolicyTargets {
  agentType(name: string): string | null;
  knownAgentTypes(): string[];
  skillExists(db: DbOrTx, name: string): Promise<boolean>;
}

/** The target as stored: "*", a canonical agent type (aliases resolved), or an existing skill; else 422. */
async function normaliseTarget(db: DbOrTx, kind: PolicyKind, raw: string, targets: PolicyTargets): Promise<string> {
  const target = raw.trim().toLowerCase();
  if (target === "*") return target;
  if (kind === "agent") {
    const type = targets.agentType(target);
    if (!type) {
      const known = targets.knownAgentTypes();
      throw new AppError("validation_failed", `Unknown agent "${raw}"; known agent types: ${known.join(", ")} (or * for all)`, {
        issues: [{ path: "target", message: "unknown agent type" }],
        known,
      });
    }
    return type;
  }
  if (!(await targets.skillExists(db, target))) {
    throw new AppError("validation_failed", `No skill named "${raw}" is installed (or use * for all)`, { issues: [{ path: "target", message: "unknown skill" }] });
  }
  return target;
}

export const POLICY_TARGET = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,99})$/;

export const createPolicySchema = z
  .object({
    kind: z.enum(["agent", "skill"]),
    target: z.string().trim().regex(POLICY_TARGET, "an agent type or skill name, or * for all"),
    subject_type: z.enum(["role", "user"]),
    subject_role: z.enum(ROLES).optional(),
    subject_user_id: z.string().uuid().optional(),
    effect: z.enum(["allow", "deny"]),
  })
  .strict()
  .superRefine((v, issue) => {
    if (v.subject_type === "role" && (!v.subject_role || v.subject_user_id)) {
      issue.addIssue({ code: "custom", path: ["subject_role"], message: "a role rule names subject_role (and no subject_user_id)" });
    }
    if (v.subject_type === "user" && (!v.subject_user_id || v.subject_role)) {
      issue.addIssue({ code: "custom", path: ["subject_user_id"], message: "a user rule names subject_user_id (and no subject_role)" });
    }
  });

export const updatePolicySchema = z.object({ effect: z.enum(["allow", "deny"]) }).strict();

export const listPoliciesQuery = z.object({ kind: z.enum(["agent", "skill"]).optional(), target: z.string().max(100).optional() });

export function policyJson(p: AccessPolicy) {
  return {
    id: p.id,
    kind: p.kind,
    target: p.target,
    subject_type: p.subjectType,
    subject_role: p.subjectRole,
    subject_user_id: p.subjectUserId,
    effect: p.effect,
    created_by: p.createdBy,
    created_at: p.createdAt.toISOString(),
  };
}

export async function listPolicies(db: DbOrTx, ctx: AuthContext, filter: z.infer<typeof listPoliciesQuery>) {
  await authorize(ctx, "admin:system");
  const rows = await db
    .select()
    .from(accessPolicies)
    .where(and(filter.kind ? eq(accessPolicies.kind, filter.kind) : undefined, filter.target ? eq(accessPolicies.target, filter.target) : undefined))
    .orderBy(asc(accessPolicies.kind), asc(accessPolicies.target), asc(accessPolicies.createdAt))
    .limit(2000);
  return rows.map(policyJson);
}

/** Create a rule; its target is normalised first (aliases → canonical type), and unknown agents or skills are refused. */
export async function createPolicy(db: Database, ctx: AuthContext, input: z.infer<typeof createPolicySchema>, targets: PolicyTargets) {
  const target = await normaliseTarget(db, input.kind, input.target, targets);
  await authorize(ctx, "admin:system");
  return db.transaction(async (tx) => {
    if (input.subject_user_id) {
      const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, input.subject_user_id)).limit(1);
      if (!user) throw new AppError("validation_failed", "subject_user_id names no user", { issues: [{ path: "subject_user_id", message: "unknown user" }] });
    }
    const [row] = await tx
      .insert(accessPolicies)
      .values({
        kind: input.kind,
        target,
        subjectType: input.subject_type,
        subjectRole: input.subject_role ?? null,
        subjectUserId: input.subject_user_id ?? null,
        effect: input.effect,
        createdBy: ctx.user.id,
      })
      .returning();
    await recordAudit(tx, { eventType: "policy.created", action: "create_policy", ...actorOf(ctx), resourceType: "policy", resourceId: row.id, details: policyJson(row) });
    return policyJson(row);
  });
}

export async function updatePolicy(db: Database, ctx: AuthContext, policyId: string, input: z.infer<typeof updatePolicySchema>) {
  await authorize(ctx, "admin:system");
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(accessPolicies).where(eq(accessPolicies.id, policyId)).for("update").limit(1);
    if (!before) throw AppError.notFound("Policy");
    const [row] = await tx.update(accessPolicies).set({ effect: input.effect }).where(eq(accessPolicies.id, policyId)).returning();
    await recordAudit(tx, { eventType: "resource.modified", action: "update_policy", ...actorOf(ctx), resourceType: "policy", resourceId: policyId, details: { from: before.effect, to: row.effect } });
    return policyJson(row);
  });
}

export async function deletePolicy(db: Database, ctx: AuthContext, policyId: string): Promise<void> {
  await authorize(ctx, "admin:system");
  await db.transaction(async (tx) => {
    const [row] = await tx.delete(accessPolicies).where(eq(accessPolicies.id, policyId)).returning();
    if (!row) throw AppError.notFound("Policy");
    await recordAudit(tx, { eventType: "policy.deleted", action: "delete_policy", ...actorOf(ctx), resourceType: "policy", resourceId: policyId, details: policyJson(row) });
  });
}
