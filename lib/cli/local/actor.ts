import { randomUUID } from "node:crypto";
import { userInfo, hostname } from "node:os";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { contextForUser } from "../../security/authenticate";
import type { AuthContext } from "../../security/context";
import { CliError, EXIT, usageError } from "../exit-codes";

/**
 * Whom `run --local` acts as. Reaching the node's own database already takes the node's files,
 * so no token is asked for; but the run is still one person's, with that person's permissions and
 * policies, and audited as theirs (`via: local`): `--as <email>`, or the only administrator.
 */
export async function localActor(db: Database, email: string | undefined): Promise<AuthContext> {
  const user = email ? await byEmail(db, email) : await onlyAdmin(db);
  const who = `${safeUser()}@${hostname()}`;
  const ctx = await contextForUser(db, user.id, { via: "local", requestId: randomUUID(), ip: null, userAgent: `clawlink run --local (${who})` });
  if (!ctx) throw new CliError(`The account ${user.email} is disabled`, EXIT.auth, "forbidden");
  return ctx;
}

async function byEmail(db: Database, email: string) {
  const [user] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .limit(1);
  if (!user) throw new CliError(`No account ${email} in this node's database`, EXIT.auth, "unknown_user");
  return user;
}

async function onlyAdmin(db: Database) {
  const admins = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.role, "ADMIN"), isNull(users.disabledAt)))
    .limit(2);
  if (admins.length === 1) return admins[0]!;
  if (admins.length === 0) throw new CliError("No administrator account yet: start the node once (`npm start`) and create it with the setup link, or pass --as <email>", EXIT.auth, "no_account");
  throw usageError("Several administrators: say whom to act as with --as <email>");
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
