import type { DatabaseHandle } from "../../lib/db";
import { issueSetupToken } from "../../lib/security/setup";

type Say = (line: string) => void;

/** Start-up work before requests are served: the agent adapters and the skills catalogue. */
export async function prepare(handle: DatabaseHandle, say: Say): Promise<void> {
  const { registerBuiltInAgents } = await import("../../lib/agents");
  const { ensureAgents } = await import("../../lib/runtime/agents");
  registerBuiltInAgents();
  ensureAgents();
  const { syncSkillsDirectory } = await import("../../lib/skills");
  const report = await syncSkillsDirectory(handle.db);
  const total = report.added.length + report.updated.length + report.unchanged.length;
  say(`Skills: ${total} from ${report.dir}${report.added.length ? ` (${report.added.length} new)` : ""}${report.skipped.length ? `; skipped ${report.skipped.length} invalid` : ""}`);
}

/** The in-process worker; returns its stop function. */
export async function startWorker(handle: DatabaseHandle, say: Say): Promise<() => Promise<void>> {
  const { startWorker: start } = await import("../../lib/runtime/worker");
  const worker = await start({ handle, roles: "web+worker" });
  say(`Worker: node ${worker.nodeId}, up to ${worker.engine.concurrency} tasks at once`);
  return () => worker.stop({ drainMs: 5_000 });
}

/** Announcements of waiting tasks (webhook, Telegram) and the Telegram bot; every node runs one (deliveries are claimed). */
export async function startNotifier(handle: DatabaseHandle, say: Say): Promise<() => Promise<void>> {
  const { startNotifier: start } = await import("../../lib/notify");
  const { notifyConfig } = await import("../../lib/notify/config");
  const notifier = start(handle);
  if (notifyConfig().telegramToken) say("Notifications: webhooks and the Telegram bot");
  return () => notifier.stop();
}

/**
 * A node that runs no worker still recovers lost work: without it, a cluster whose only worker
 * died would keep that worker's tasks RUNNING on expired leases forever.
 */
export async function startSweeper(handle: DatabaseHandle, say: Say): Promise<() => Promise<void>> {
  const { startSweepLoop } = await import("../../lib/engine/sweep-loop");
  const { DEFAULT_TIMINGS } = await import("../../lib/engine/engine");
  const { findAgent } = await import("../../lib/agents/registry");
  const loop = startSweepLoop({
    db: handle.db,
    leaseMs: DEFAULT_TIMINGS.leaseMs,
    sweepMs: DEFAULT_TIMINGS.sweepMs,
    isResumable: (type) => findAgent(type)?.resumable === true,
  });
  say(`Sweeper: recovering lost tasks every ${DEFAULT_TIMINGS.sweepMs} ms (no worker on this node)`);
  return async () => loop.stop();
}

/** Idle runtime sessions are marked expired (and audited) even if nobody presents their token again. */
export function startSessionSweeper(handle: DatabaseHandle, everyMs = 5 * 60_000): () => Promise<void> {
  const sweep = async () => {
    const { sweepExpiredSessions } = await import("../../lib/security/runtime-sessions");
    await sweepExpiredSessions(handle.db).catch(() => 0);
  };
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  void sweep();
  return async () => clearInterval(timer);
}

/** VACUUM of the tables every task rewrites, where autovacuum is off or absent (PGlite): lib/db/vacuum.ts. */
export async function startVacuum(handle: DatabaseHandle): Promise<() => Promise<void>> {
  const { startVacuumLoop } = await import("../../lib/db/vacuum");
  const loop = startVacuumLoop(handle);
  return () => loop.stop();
}

/**
 * Every node competes to be the cluster's audit sealer (one wins; another takes over if it
 * dies): it seals committed audit rows within ~250 ms and signs a checkpoint every minute.
 */
export async function startAuditSealer(handle: DatabaseHandle, nodeId?: string): Promise<() => Promise<void>> {
  const { startAuditSealer: start } = await import("../../lib/security/audit-sealer");
  const sealer = await start(handle, { nodeId });
  return () => sealer.stop();
}

/** Tell the person at the console how to get in: a one-time setup link on a fresh database. */
export async function announceSignIn(handle: DatabaseHandle, base: string, say: Say): Promise<void> {
  const token = await issueSetupToken(handle.db);
  if (token) {
    say("No users yet. Open this one-time link to create the admin account (valid 24 h, once):");
    say(`  ${base}/setup?token=${token}`);
  } else {
    say(`Sign in at ${base}/signin`);
  }
}
