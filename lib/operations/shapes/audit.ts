import { z } from "zod";

// auditEventJson and ChainReport of lib/security; `operation()` checks them against what those return.
export const auditEventSchema = z.object({
  id: z.string().uuid(),
  seq: z.number().int(),
  occurred_at: z.string(),
  event_type: z.string(),
  actor_user_id: z.string().uuid().nullable(),
  session_id: z.string().uuid().nullable(),
  device_id: z.string().nullable(),
  ip: z.string().nullable(),
  resource_type: z.string().nullable(),
  resource_id: z.string().nullable(),
  action: z.string(),
  outcome: z.string().describe("success | failure | denied"),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});

export const auditPageSchema = z.object({ events: z.array(auditEventSchema), next_cursor: z.string().nullable().describe("The seq to pass as ?cursor= for the next page") });

export const checkpointSchema = z.object({
  seq: z.number().int().describe("The chain position this checkpoint anchors (0: the empty chain)"),
  hash: z.string().describe("The hash of the row at seq"),
  created_at: z.string(),
  key_id: z.string().describe("Which Ed25519 key signed it (sha256 of its SPKI, 16 bytes hex)"),
  signature: z.string().describe("Ed25519 signature (base64) of the canonical JSON {created_at, hash, key_id, kind: \"coderclawlink.audit.checkpoint\", seq, v: 1}"),
  node_id: z.string().nullable(),
});

export const checkpointListSchema = z.object({
  key_id: z.string().nullable(),
  public_key: z.string().nullable().describe("This node's checkpoint public key (SPKI PEM), to verify exported checkpoints offline"),
  checkpoints: z.array(checkpointSchema),
});

export const chainReportSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  first_broken: z
    .object({ seq: z.number().int(), reason: z.enum(["seq_gap", "prev_hash_mismatch", "hash_mismatch", "checkpoint_mismatch", "truncated"]), message: z.string() })
    .nullable(),
  unsealed: z.number().int().describe("Rows committed after verification sealed the chain (not yet in it)"),
  checkpoint: z
    .object({ seq: z.number().int(), hash: z.string(), created_at: z.string(), key_id: z.string(), source: z.enum(["file", "database"]) })
    .nullable()
    .describe("The newest checkpoint signed by this node's key that the chain was checked against"),
  checkpoints: z.object({ trusted: z.number().int(), untrusted: z.number().int(), key_id: z.string().nullable() }),
});
