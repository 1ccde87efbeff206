import type { DatabaseHandle } from "../../lib/db";
import { issueSetupToken } from "../../lib/security/setup";

type Say = (line: string) => void;

/** Start-up work that must happen before requests are served. */
export async function prepare(_handle: DatabaseHandle, _say: Say): Promise<void> {}

/** The in-process worker; returns its stop function. */
export async function startWorker(_handle: DatabaseHandle, say: Say): Promise<() => Promise<void>> {
  say("Worker: not available in this build");
  return async () => {};
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
