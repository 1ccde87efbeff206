import { z } from "zod";
import { advertisedAgentSchema, advertisedSkillSchema, labelSchema, nodeNameSchema } from "../remote/protocol";
import { approveNode, createEnrolment, drainNode, getNode, listNodes, revokeNode } from "../remote/portal/nodes";
import { clawlinkSchemaDocument } from "../remote/schema";
import { operation } from "./define";

const TAG = "Nodes";
const idParams = z.object({ id: z.string().uuid({ message: "must be a UUID" }) });

const nodeSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  fingerprint: z.string().describe("SHA256 of the node's Ed25519 public key: compare it with what `clawlink node` printed before approving"),
  status: z.enum(["pending", "approved", "revoked"]),
  draining: z.boolean(),
  online: z.boolean(),
  version: z.string().nullable(),
  labels: z.array(z.string()),
  concurrency: z.number().int(),
  agents: z.array(advertisedAgentSchema),
  skills: z.array(advertisedSkillSchema),
  running_tasks: z.number().int(),
  last_seen_at: z.string().nullable(),
  connected_at: z.string().nullable(),
  last_ip: z.string().nullable(),
  created_at: z.string(),
  decided_at: z.string().nullable(),
});

/** Remote nodes (`clawlink node`): who is connected, what they offer, and the admin's decisions on them. */
export const nodeOperations = {
  "nodes.protocol": operation({
    method: "GET",
    path: "/api/runtime/nodes/schema.json",
    tag: TAG,
    summary: "The clawlink v1 protocol (remote nodes ⇄ portal) as a JSON Schema (2020-12) document",
    access: "public",
    output: z.record(z.string(), z.unknown()),
    run: async () => clawlinkSchemaDocument(),
  }),
  "nodes.list": operation({
    method: "GET",
    path: "/api/runtime/nodes",
    tag: TAG,
    summary: "Remote nodes: online/offline, version, agents, labels, running tasks, last seen",
    description: "Pending nodes first. Anyone who may list agents may see where they can run.",
    access: "agent:list",
    output: z.object({ nodes: z.array(nodeSchema) }),
    run: async ({ ctx, db }) => ({ nodes: await listNodes(db, ctx) }),
  }),
  "nodes.get": operation({
    method: "GET",
    path: "/api/runtime/nodes/{id}",
    tag: TAG,
    summary: "One remote node",
    access: "agent:list",
    params: idParams,
    output: nodeSchema,
    run: ({ ctx, db, params }) => getNode(db, ctx, params.id),
  }),
  "nodes.approve": operation({
    method: "POST",
    path: "/api/runtime/nodes/{id}/approve",
    tag: TAG,
    summary: "Approve a node: it runs the tasks placed on it from now on",
    access: "admin:system",
    audits: ["node.approved"],
    params: idParams,
    output: nodeSchema,
    run: ({ ctx, db, params }) => approveNode(db, ctx, params.id),
  }),
  "nodes.revoke": operation({
    method: "POST",
    path: "/api/runtime/nodes/{id}/revoke",
    tag: TAG,
    summary: "Revoke a node: disconnected at once, its running and queued tasks cancelled",
    access: "admin:system",
    audits: ["node.revoked", "task.cancelled"],
    params: idParams,
    output: nodeSchema.extend({ tasks_cancelled: z.number().int() }),
    run: ({ ctx, db, params }) => revokeNode(db, ctx, params.id),
  }),
  "nodes.drain": operation({
    method: "POST",
    path: "/api/runtime/nodes/{id}/drain",
    tag: TAG,
    summary: "Drain a node (it finishes its runs and takes no new ones), or with draining=false undo it",
    access: "admin:system",
    audits: ["node.drained"],
    params: idParams,
    body: z.object({ draining: z.boolean().default(true) }).strict(),
    output: nodeSchema,
    run: ({ ctx, db, params, body }) => drainNode(db, ctx, params.id, body.draining),
  }),
  "nodes.enrolments.create": operation({
    method: "POST",
    path: "/api/runtime/nodes/enrolments",
    tag: TAG,
    summary: "A one-time enrolment token: the node that first connects with it is approved at once",
    description: "The token is shown once. Pass it to `clawlink node --enrol` on standard input or in CLAWLINK_ENROL_TOKEN, never in a URL.",
    access: "admin:system",
    audits: ["node.enrolment_created"],
    body: z
      .object({
        name: nodeNameSchema.optional().describe("only a node of this name may use it"),
        labels: z.array(labelSchema).max(32).default([]).describe("labels the node gets on top of its own"),
        expires_in_hours: z.number().int().min(1).max(24 * 30).default(24),
      })
      .strict(),
    output: z.object({ id: z.string().uuid(), token: z.string(), name: z.string().nullable(), labels: z.array(z.string()), expires_at: z.string() }),
    status: 201,
    run: ({ ctx, db, body }) => createEnrolment(db, ctx, body),
  }),
};
