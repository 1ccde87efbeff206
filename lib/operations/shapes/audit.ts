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

export const chainReportSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  first_broken: z.object({ seq: z.number().int(), reason: z.enum(["seq_gap", "prev_hash_mismatch", "hash_mismatch"]), message: z.string() }).nullable(),
});
