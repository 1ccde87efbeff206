import { sql } from "drizzle-orm";
import { openDatabase, type DatabaseHandle, type DbOrTx } from "./client";
import { migrateDatabase } from "./migrate";
import { selectRows } from "./sql";

/**
 * Restricted-role deployment: the tables belong to the migration role (MIGRATION_DATABASE_URL);
 * the app connects (DATABASE_URL) as a role that does not own them. Only an owner can disable
 * triggers, drop them or replace their function, so the app's own credentials cannot switch off
 * the audit trail's append-only rules. The app role may read and write the tables it uses, but
 * on the audit tables only SELECT and INSERT, plus UPDATE of the three seal columns (the
 * trigger still allows just the one sealing of an unsealed row).
 */
export async function grantAppRole(owner: DbOrTx, role: string): Promise<void> {
  const app = sql.identifier(role);
  const statements = [
    sql`grant usage on schema public to ${app}`,
    sql`grant select, insert, update, delete on all tables in schema public to ${app}`,
    sql`grant usage, select on all sequences in schema public to ${app}`,
    // Revoking the table-wide privilege first also clears column grants; then the seal columns only.
    sql`revoke update, delete, truncate, references, trigger on audit_events, audit_checkpoints from ${app}`,
    sql`grant update (seq, prev_hash, hash) on audit_events to ${app}`,
    // The app reads which migrations ran (health, start-up message); it never applies them.
    sql`grant usage on schema drizzle to ${app}`,
    sql`grant select on all tables in schema drizzle to ${app}`,
  ];
  for (const statement of statements) await owner.execute(statement);
}

/** The role a connection acts as. */
export async function currentRole(handle: DatabaseHandle): Promise<string> {
  const [row] = await selectRows<{ role: string }>(handle, sql`select current_user as role`);
  return row!.role;
}

/**
 * Migrate as the owner, then grant the app's role what it needs. Runs at every start, so the
 * grants cover tables added by new migrations.
 */
export async function migrateAsOwner(app: DatabaseHandle, ownerUrl: string): Promise<void> {
  const owner = await openDatabase({ url: ownerUrl, maxConnections: 1 });
  try {
    await migrateDatabase(owner);
    const [appRole, ownerRole] = [await currentRole(app), await currentRole(owner)];
    if (appRole !== ownerRole) await grantAppRole(owner.db, appRole);
  } finally {
    await owner.close();
  }
}
