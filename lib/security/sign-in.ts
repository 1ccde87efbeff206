import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import { recordAudit } from "./audit";
import { verifyPassword } from "./passwords";

export interface VerifiedUser {
  id: string;
  email: string;
  name: string | null;
}

/** Check an email/password pair; every outcome is audited. Unknown emails still cost a hash. */
export async function verifyCredentials(
  db: Database,
  input: { email: string; password: string; ip: string | null },
): Promise<VerifiedUser | null> {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(sql`lower(${users.email})`, input.email.toLowerCase()))
    .limit(1);
  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  const ok = Boolean(user && passwordOk && !user.disabledAt);
  await recordAudit(db, {
    eventType: ok ? "auth.signin_succeeded" : "auth.signin_failed",
    action: "sign_in",
    outcome: ok ? "success" : "failure",
    actorUserId: user?.id ?? null,
    ip: input.ip,
    resourceType: "user",
    resourceId: user?.id ?? null,
    details: ok ? {} : { reason: user?.disabledAt ? "disabled" : "invalid_credentials" },
  });
  return ok && user ? { id: user.id, email: user.email, name: user.name } : null;
}
