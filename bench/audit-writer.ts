/**
 * One audited-writer process for the audit-writers row (bench/audit-writers.ts): opens its own
 * pool on DATABASE_URL, prints `BENCH_READY … pid=`, and on SIGUSR1 runs BENCH_LOOPS concurrent
 * loops of audited writes (a transaction that records one audit event, as every audited action
 * does) for BENCH_DURATION_MS, then prints `BENCH_WRITES <n>` and waits for SIGTERM.
 * BENCH_AUDIT_MODE=locked writes the way round 1 did (one cluster-wide advisory lock, read the
 * head, insert sealed), for the before/after diagnostic.
 */
import { sql } from "drizzle-orm";
import { openDatabase, type DbOrTx } from "../lib/db/client";
import { auditEvents } from "../lib/db/schema";
import { GENESIS_HASH, chainHash, recordAudit, type AuditInput } from "../lib/security/audit";
import { chainHead } from "../lib/security/audit-seal";

const ROUND1_LOCK = 7_203_399;

/** Round 1's append: every writer of the cluster queues on one lock until its transaction ends. */
async function lockedAppend(tx: DbOrTx, input: AuditInput) {
  await tx.execute(sql`select pg_advisory_xact_lock(${ROUND1_LOCK})`);
  const head = await chainHead(tx);
  const row = {
    seq: (head?.seq ?? 0) + 1,
    occurredAt: new Date(),
    eventType: input.eventType,
    actorUserId: null,
    sessionId: null,
    deviceId: null,
    ip: null,
    resourceType: input.resourceType ?? null,
    resourceId: input.resourceId ?? null,
    action: input.action,
    outcome: "success",
    details: input.details ?? {},
  };
  const prevHash = head?.hash ?? GENESIS_HASH;
  await tx.insert(auditEvents).values({ ...row, prevHash, hash: chainHash(prevHash, row) });
}

async function main() {
  const handle = await openDatabase({ url: process.env.DATABASE_URL!, maxConnections: Number(process.env.BENCH_LOOPS ?? 4) });
  const loops = Number(process.env.BENCH_LOOPS ?? 4);
  const durationMs = Number(process.env.BENCH_DURATION_MS ?? 5000);
  const locked = process.env.BENCH_AUDIT_MODE === "locked";
  const writer = process.env.BENCH_WRITER ?? "0";
  process.stdout.write(`BENCH_READY 0 pid=${process.pid}\n`);
  // A signal listener alone does not keep the process alive: hold it open until the go signal.
  const keepAlive = setInterval(() => {}, 1_000);
  await new Promise<void>((resolve) => process.once("SIGUSR1", () => resolve()));
  const until = Date.now() + durationMs;
  let writes = 0;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (Date.now() < until) {
        const input: AuditInput = { eventType: "resource.modified", action: "bench.audited_write", resourceType: "bench", resourceId: `${writer}-${loop}`, details: { writer, loop, n: writes } };
        await handle.db.transaction(async (tx) => (locked ? lockedAppend(tx, input) : recordAudit(tx, input)));
        writes++;
      }
    }),
  );
  process.stdout.write(`BENCH_WRITES ${writes}\n`);
  process.once("SIGTERM", () => {
    clearInterval(keepAlive);
    void handle.close().finally(() => process.exit(0));
  });
}

main().catch((error: Error) => {
  process.stderr.write(`[audit-writer] ${error.stack ?? error.message}\n`);
  process.exit(1);
});
