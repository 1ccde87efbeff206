import { and, eq, gt, isNull, like, sql } from "drizzle-orm";
import { resolveAgentSettings } from "../agents/config";
import { probeAgent } from "../agents/probe";
import type { AgentAdapter } from "../agents/types";
import type { Database } from "../db/client";
import { selectRows } from "../db/sql";
import { nodes, remoteNodes, type RemoteNode } from "../db/schema";
import { AppError } from "../errors";
import { isOnline, ONLINE_WITHIN_MS } from "./portal/nodes";

export interface Placement {
  targetNodeId: string | null;
  targetLabels: string[];
}

const LOCAL: Placement = { targetNodeId: null, targetLabels: [] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What placement needs of an approved, non-draining node. */
export type PlacementCandidate = Pick<RemoteNode, "id" | "name" | "concurrency" | "agents" | "connectedTo" | "lastSeenAt">;

const CANDIDATE_COLUMNS = {
  id: remoteNodes.id,
  name: remoteNodes.name,
  concurrency: remoteNodes.concurrency,
  agents: remoteNodes.agents,
  connectedTo: remoteNodes.connectedTo,
  lastSeenAt: remoteNodes.lastSeenAt,
};

/**
 * The approved, non-draining nodes as `placeTask` wants them (`approved`), from one JSON column
 * of a raw query (submit reads them with its other admission facts, see lib/runtime/submit.ts):
 * `PLACEMENT_CANDIDATES_JSON` selects it.
 */
export const PLACEMENT_CANDIDATES_JSON = `coalesce((select json_agg(json_build_object('id', n.id, 'name', n.name, 'concurrency', n.concurrency, 'agents', n.agents, 'connectedTo', n.connected_to, 'lastSeenAt', n.last_seen_at)) from remote_nodes n where n.status = 'approved' and not n.draining), '[]'::json)`;

export function candidatesFromJson(value: unknown): PlacementCandidate[] {
  const rows = (typeof value === "string" ? JSON.parse(value) : value) as (Omit<PlacementCandidate, "lastSeenAt"> & { lastSeenAt: string | null })[];
  return rows.map((n) => ({ ...n, lastSeenAt: n.lastSeenAt === null ? null : new Date(n.lastSeenAt) }));
}

function offers(node: Pick<RemoteNode, "agents">, agentType: string): boolean {
  return node.agents.some((a) => a.agent_type === agentType && a.available);
}

/**
 * Where a submitted task may run, decided by the portal after every permission and policy check:
 * `node` (a remote node's name or id) pins it there; `labels` lets any approved node carrying all of
 * them take it; without either, the portal's own workers run it when the agent is available here,
 * else the least busy online node offering the agent. The remote node itself never chooses.
 */
export async function placeTask(db: Database, input: { adapter: AgentAdapter; node?: string; labels?: string[]; approved?: PlacementCandidate[] }): Promise<Placement> {
  const agentType = input.adapter.type;
  const labels = [...new Set(input.labels ?? [])].sort();
  if (input.node) {
    const [node] = await db
      .select()
      .from(remoteNodes)
      .where(UUID.test(input.node) ? sql`${remoteNodes.id} = ${input.node} or ${remoteNodes.name} = ${input.node}` : eq(remoteNodes.name, input.node))
      .limit(1);
    if (!node || node.status === "revoked") throw new AppError("validation_failed", `No node named "${input.node}"`, { node: input.node });
    if (node.status !== "approved") throw new AppError("validation_failed", `The node "${node.name}" is waiting for an administrator's approval`, { node: node.name });
    if (node.agents.length > 0 && !offers(node, agentType)) throw new AppError("validation_failed", `The node "${node.name}" does not offer the agent "${agentType}"`, { node: node.name, agent_type: agentType });
    const missing = labels.filter((l) => !node.labels.includes(l));
    if (missing.length) throw new AppError("validation_failed", `The node "${node.name}" lacks the labels ${missing.join(", ")}`, { node: node.name, labels: missing });
    return { targetNodeId: node.id, targetLabels: [] };
  }
  if (labels.length > 0) {
    const [match] = await db
      .select({ id: remoteNodes.id })
      .from(remoteNodes)
      .where(and(eq(remoteNodes.status, "approved"), sql`${remoteNodes.labels} @> ${JSON.stringify(labels)}::jsonb`))
      .limit(1);
    if (!match) throw new AppError("validation_failed", `No approved node carries the labels ${labels.join(", ")}`, { labels });
    return { targetNodeId: null, targetLabels: labels };
  }
  const approved = input.approved ?? (await db.select(CANDIDATE_COLUMNS).from(remoteNodes).where(and(eq(remoteNodes.status, "approved"), eq(remoteNodes.draining, false))));
  const candidates = approved.filter((node) => isOnline(node) && offers(node, agentType));
  // No node could take it: the portal's workers do (or report the agent unavailable), as without remote nodes.
  if (candidates.length === 0 || (await availableHere(db, input.adapter))) return LOCAL;
  const load = await runningByNode(db);
  candidates.sort((a, b) => (load.get(a.id) ?? 0) / a.concurrency - (load.get(b.id) ?? 0) / b.concurrency || a.name.localeCompare(b.name));
  return { targetNodeId: candidates[0].id, targetLabels: [] };
}

/** A live local worker exists and the agent probes available with the portal's settings. */
async function availableHere(db: Database, adapter: AgentAdapter): Promise<boolean> {
  const [worker] = await db
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(like(nodes.roles, "%worker%"), isNull(nodes.stoppedAt), gt(nodes.heartbeatAt, new Date(Date.now() - ONLINE_WITHIN_MS))))
    .limit(1);
  if (!worker) return false;
  const settings = await resolveAgentSettings(db, adapter.type).catch(() => null);
  return settings !== null && (await probeAgent(adapter, settings)).available;
}

async function runningByNode(db: Database): Promise<Map<string, number>> {
  const rows = await selectRows<{ claimed_by: string; n: number }>(
    db,
    sql`select claimed_by, count(*)::int as n from executions where state in ('PLANNING', 'RUNNING', 'WAITING') and claimed_by like 'node:%' group by claimed_by`,
  );
  return new Map(rows.map((r) => [r.claimed_by.slice("node:".length), Number(r.n)]));
}
