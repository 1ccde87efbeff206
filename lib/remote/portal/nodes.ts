import { and, count, eq, inArray, isNull, gt, sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../../db/client";
import { executions, remoteNodeEnrolments, remoteNodes, type AdvertisedAgent, type AdvertisedSkill, type RemoteNode } from "../../db/schema";
import { notify } from "../../engine/event-log";
import { ACTIVE_STATES } from "../../engine/lifecycle";
import { transitionTask } from "../../engine/transitions";
import { AppError } from "../../errors";
import { actorOf, recordAudit } from "../../security/audit";
import { authorize } from "../../security/authorize";
import type { AuthContext } from "../../security/context";
import { hashSecret, newSecret } from "../../security/tokens";
import { fingerprintOf } from "../keys";

/** NOTIFY channel for node decisions, so whichever portal process holds the socket reacts at once. */
export const NODES_CHANNEL = "clawlink_remote_nodes";
export type NodeNoticeKind = "revoked" | "approved" | "draining" | "resumed" | "connected";

/** Unapproved nodes waiting at once: anyone can dial in, so their rows are capped. */
export const MAX_PENDING_NODES = 50;

/** A node considers itself online while its portal heartbeats it this recently. */
export const ONLINE_WITHIN_MS = 30_000;

/** claimed_by for a remote node's runs: stable across reconnects and portal processes. */
export function claimKeyOf(nodeId: string): string {
  return `node:${nodeId}`;
}

export async function notifyNode(tx: DbOrTx, nodeId: string, kind: NodeNoticeKind, extra = ""): Promise<void> {
  await notify(tx, NODES_CHANNEL, `${nodeId}:${kind}${extra ? `:${extra}` : ""}`);
}

export function parseNodeNotice(payload: string): { nodeId: string; kind: NodeNoticeKind; extra: string } | null {
  const [nodeId, kind, ...rest] = payload.split(":");
  const kinds: NodeNoticeKind[] = ["revoked", "approved", "draining", "resumed", "connected"];
  return nodeId && kinds.includes(kind as NodeNoticeKind) ? { nodeId, kind: kind as NodeNoticeKind, extra: rest.join(":") } : null;
}

export interface NodeIntroduction {
  name: string;
  publicKey: string;
  version: string;
  labels: string[];
  concurrency: number;
  enrolmentToken?: string;
  ip: string | null;
}

/**
 * The node behind a verified key: known nodes get their self-description refreshed; a new key
 * becomes a pending node (or an approved one, with a valid one-time enrolment token). A name
 * belonging to another key is refused; a revoked node stays revoked.
 */
export async function identifyNode(db: Database, intro: NodeIntroduction): Promise<RemoteNode> {
  return db.transaction(async (tx) => {
    const [known] = await tx.select().from(remoteNodes).where(eq(remoteNodes.publicKey, intro.publicKey)).for("update");
    const enrolment = intro.enrolmentToken ? await takeEnrolment(tx, intro.enrolmentToken, intro.name) : null;
    if (known) {
      if (known.name !== intro.name) await assertNameFree(tx, intro.name);
      const approve = enrolment && known.status === "pending";
      const [row] = await tx
        .update(remoteNodes)
        .set({
          name: intro.name,
          version: intro.version,
          labels: uniqueLabels([...intro.labels, ...(enrolment?.labels ?? [])]),
          concurrency: intro.concurrency,
          lastIp: intro.ip,
          ...(approve ? { status: "approved" as const, decidedAt: sql`now()`, decidedBy: enrolment.createdBy } : {}),
        })
        .where(eq(remoteNodes.id, known.id))
        .returning();
      if (enrolment) await useEnrolment(tx, enrolment.id, row.id);
      if (approve) await auditNode(tx, row, "node.approved", { actorUserId: enrolment.createdBy }, { via: "enrolment_token" });
      return row;
    }
    await assertNameFree(tx, intro.name);
    if (!enrolment) {
      const [{ pending }] = await tx.select({ pending: count() }).from(remoteNodes).where(eq(remoteNodes.status, "pending"));
      if (pending >= MAX_PENDING_NODES) throw new AppError("quota_exceeded", `${MAX_PENDING_NODES} nodes are already waiting for approval; an admin must decide on them first`);
    }
    const [row] = await tx
      .insert(remoteNodes)
      .values({
        name: intro.name,
        publicKey: intro.publicKey,
        fingerprint: fingerprintOf(intro.publicKey),
        version: intro.version,
        labels: uniqueLabels([...intro.labels, ...(enrolment?.labels ?? [])]),
        concurrency: intro.concurrency,
        lastIp: intro.ip,
        ...(enrolment ? { status: "approved" as const, decidedAt: new Date(), decidedBy: enrolment.createdBy } : {}),
      })
      .returning();
    await auditNode(tx, row, "node.registered", { actorUserId: enrolment?.createdBy ?? null, ip: intro.ip }, { status: row.status });
    if (enrolment) {
      await useEnrolment(tx, enrolment.id, row.id);
      await auditNode(tx, row, "node.approved", { actorUserId: enrolment.createdBy }, { via: "enrolment_token" });
    }
    return row;
  });
}

async function assertNameFree(tx: DbOrTx, name: string): Promise<void> {
  const [taken] = await tx.select({ id: remoteNodes.id }).from(remoteNodes).where(eq(remoteNodes.name, name)).limit(1);
  if (taken) throw new AppError("conflict", `The node name "${name}" belongs to another key; choose another --name`);
}

async function takeEnrolment(tx: DbOrTx, token: string, name: string) {
  const [row] = await tx
    .select()
    .from(remoteNodeEnrolments)
    .where(and(eq(remoteNodeEnrolments.tokenHash, hashSecret(token)), isNull(remoteNodeEnrolments.usedAt), gt(remoteNodeEnrolments.expiresAt, sql`now()`)))
    .for("update");
  if (!row || (row.name !== null && row.name !== name)) throw new AppError("unauthenticated", "The enrolment token is unknown, used, expired or made for another node name");
  return row;
}

async function useEnrolment(tx: DbOrTx, enrolmentId: string, nodeId: string): Promise<void> {
  await tx.update(remoteNodeEnrolments).set({ usedAt: sql`now()`, usedBy: nodeId }).where(eq(remoteNodeEnrolments.id, enrolmentId));
}

function uniqueLabels(labels: string[]): string[] {
  return [...new Set(labels)].sort();
}

async function auditNode(tx: DbOrTx, node: RemoteNode, eventType: "node.registered" | "node.approved" | "node.revoked" | "node.drained", actor: { actorUserId?: string | null; sessionId?: string | null; ip?: string | null }, details: Record<string, unknown> = {}) {
  await recordAudit(tx, {
    eventType,
    action: eventType,
    ...actor,
    resourceType: "node",
    resourceId: node.id,
    details: { name: node.name, fingerprint: node.fingerprint, ...details },
  });
}

/** This connection now holds the node's socket; any older connection (here or on another portal process) lets go. */
export async function markConnected(db: Database, nodeId: string, connectionKey: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(remoteNodes).set({ connectedTo: connectionKey, connectedAt: sql`now()`, lastSeenAt: sql`now()` }).where(eq(remoteNodes.id, nodeId));
    await notifyNode(tx, nodeId, "connected", connectionKey);
  });
}

/** Only the connection that holds it may mark it gone (a newer one may have taken over). */
export async function markDisconnected(db: DbOrTx, nodeId: string, connectionKey: string): Promise<void> {
  await db.update(remoteNodes).set({ connectedTo: null, lastSeenAt: sql`now()` }).where(and(eq(remoteNodes.id, nodeId), eq(remoteNodes.connectedTo, connectionKey)));
}

export async function touchNodes(db: DbOrTx, nodeIds: string[]): Promise<void> {
  if (nodeIds.length === 0) return;
  await db.update(remoteNodes).set({ lastSeenAt: sql`now()` }).where(inArray(remoteNodes.id, nodeIds));
}

export async function saveAdvertisement(db: DbOrTx, nodeId: string, agents: AdvertisedAgent[], skills: AdvertisedSkill[]): Promise<void> {
  await db.update(remoteNodes).set({ agents, skills }).where(eq(remoteNodes.id, nodeId));
}

export async function loadNode(db: DbOrTx, nodeId: string): Promise<RemoteNode | undefined> {
  const [row] = await db.select().from(remoteNodes).where(eq(remoteNodes.id, nodeId));
  return row;
}

// ---- what people see and do ----

export function isOnline(node: Pick<RemoteNode, "connectedTo" | "lastSeenAt">, now = Date.now()): boolean {
  return node.connectedTo !== null && node.lastSeenAt !== null && now - node.lastSeenAt.getTime() < ONLINE_WITHIN_MS;
}

export function nodeJson(node: RemoteNode, running: number, viewer?: AuthContext) {
  return {
    id: node.id,
    name: node.name,
    fingerprint: node.fingerprint,
    status: node.status,
    draining: node.draining,
    online: isOnline(node),
    version: node.version,
    labels: node.labels,
    concurrency: node.concurrency,
    agents: node.agents,
    skills: node.skills,
    running_tasks: running,
    last_seen_at: node.lastSeenAt?.toISOString() ?? null,
    connected_at: node.connectedAt?.toISOString() ?? null,
    // Where a node connects from is for administrators only.
    last_ip: viewer && !viewer.permissions.has("admin:system") ? null : node.lastIp,
    created_at: node.createdAt.toISOString(),
    decided_at: node.decidedAt?.toISOString() ?? null,
  };
}
export type NodeJson = ReturnType<typeof nodeJson>;

/** Every remote node, pending first; anyone who may list agents may see where they run. */
export async function listNodes(db: Database, ctx: AuthContext): Promise<NodeJson[]> {
  await authorize(ctx, "agent:list");
  const rows = await db
    .select()
    .from(remoteNodes)
    .orderBy(sql`case ${remoteNodes.status} when 'pending' then 0 when 'approved' then 1 else 2 end`, remoteNodes.name);
  const running = await db
    .select({ claimedBy: executions.claimedBy, n: count() })
    .from(executions)
    .where(and(inArray(executions.state, [...ACTIVE_STATES]), sql`${executions.claimedBy} like 'node:%'`))
    .groupBy(executions.claimedBy);
  const byKey = new Map(running.map((r) => [r.claimedBy, r.n]));
  return rows.map((row) => nodeJson(row, byKey.get(claimKeyOf(row.id)) ?? 0, ctx));
}

export async function getNode(db: Database, ctx: AuthContext, nodeId: string): Promise<NodeJson> {
  await authorize(ctx, "agent:list");
  const node = await loadNode(db, nodeId);
  if (!node) throw AppError.notFound("Node");
  const [{ n }] = await db
    .select({ n: count() })
    .from(executions)
    .where(and(eq(executions.claimedBy, claimKeyOf(nodeId)), inArray(executions.state, [...ACTIVE_STATES])));
  return nodeJson(node, n, ctx);
}

/** Approve a pending (or revoked) node: it runs tasks from its next claim. */
export async function approveNode(db: Database, ctx: AuthContext, nodeId: string): Promise<NodeJson> {
  await authorize(ctx, "admin:system");
  await db.transaction(async (tx) => {
    const [row] = await tx.update(remoteNodes).set({ status: "approved", decidedBy: ctx.user.id, decidedAt: sql`now()` }).where(eq(remoteNodes.id, nodeId)).returning();
    if (!row) throw AppError.notFound("Node");
    await auditNode(tx, row, "node.approved", actorOf(ctx));
    await notifyNode(tx, nodeId, "approved");
  });
  return getNode(db, ctx, nodeId);
}

/**
 * Revoke a node: its socket is closed at once (whichever portal process holds it), and every
 * task running on it or waiting for it is cancelled, in one transaction with the decision.
 */
export async function revokeNode(db: Database, ctx: AuthContext, nodeId: string): Promise<NodeJson & { tasks_cancelled: number }> {
  await authorize(ctx, "admin:system");
  const cancelled = await db.transaction(async (tx) => {
    const [row] = await tx.update(remoteNodes).set({ status: "revoked", draining: false, decidedBy: ctx.user.id, decidedAt: sql`now()` }).where(eq(remoteNodes.id, nodeId)).returning();
    if (!row) throw AppError.notFound("Node");
    const affected = await tx
      .select({ id: executions.id, state: executions.state })
      .from(executions)
      .where(
        sql`(${executions.claimedBy} = ${claimKeyOf(nodeId)} and ${executions.state} in ('PLANNING', 'RUNNING', 'WAITING')) or (${executions.targetNodeId} = ${nodeId} and ${executions.state} = 'PENDING')`,
      );
    let n = 0;
    for (const task of affected) {
      const done = await transitionTask(tx, {
        taskId: task.id,
        to: "CANCELLED",
        from: [task.state],
        set: { cancelRequestedAt: new Date() },
        data: { reason: "node_revoked", node: claimKeyOf(nodeId), node_name: row.name },
        audit: { eventType: "task.cancelled", ...actorOf(ctx), details: { reason: "node_revoked" } },
      });
      if (done) n++;
    }
    await auditNode(tx, row, "node.revoked", actorOf(ctx), { tasks_cancelled: n });
    await notifyNode(tx, nodeId, "revoked");
    return n;
  });
  return { ...(await getNode(db, ctx, nodeId)), tasks_cancelled: cancelled };
}

/** Drain: the node finishes what it runs and gets nothing new (or, with false, takes work again). */
export async function drainNode(db: Database, ctx: AuthContext, nodeId: string, draining: boolean): Promise<NodeJson> {
  await authorize(ctx, "admin:system");
  await db.transaction(async (tx) => {
    const [row] = await tx.update(remoteNodes).set({ draining }).where(eq(remoteNodes.id, nodeId)).returning();
    if (!row) throw AppError.notFound("Node");
    await auditNode(tx, row, "node.drained", actorOf(ctx), { draining });
    await notifyNode(tx, nodeId, draining ? "draining" : "resumed");
  });
  return getNode(db, ctx, nodeId);
}

export const ENROLMENT_PREFIX = "ccl_enr_";

/** A one-time enrolment token (shown once, stored hashed): the node using it is approved on first connect. */
export async function createEnrolment(db: Database, ctx: AuthContext, input: { name?: string; labels?: string[]; expires_in_hours?: number }) {
  await authorize(ctx, "admin:system");
  const token = newSecret(ENROLMENT_PREFIX);
  const expiresAt = new Date(Date.now() + (input.expires_in_hours ?? 24) * 3_600_000);
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(remoteNodeEnrolments)
      .values({ tokenHash: hashSecret(token), name: input.name ?? null, labels: uniqueLabels(input.labels ?? []), createdBy: ctx.user.id, expiresAt })
      .returning();
    await recordAudit(tx, { eventType: "node.enrolment_created", action: "node.enrolment_created", ...actorOf(ctx), resourceType: "node_enrolment", resourceId: created.id, details: { name: created.name, labels: created.labels, expires_at: expiresAt.toISOString() } });
    return created;
  });
  return { id: row.id, token, name: row.name, labels: row.labels, expires_at: row.expiresAt.toISOString() };
}
