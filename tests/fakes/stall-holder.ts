/**
 * A stand-in for a node frozen mid-transaction (VM pause, long GC, partition): it locks one task
 * row inside a transaction, says "holding", and never finishes. The test then SIGSTOPs it. Only the
 * server's idle_in_transaction_session_timeout can free the row.
 * Usage: tsx tests/fakes/stall-holder.ts <database url> <task id>
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../../lib/db/client";

const [url, taskId] = process.argv.slice(2);
const handle = await openDatabase({ url, maxConnections: 1 });
await handle.db
  .transaction(async (tx) => {
    await tx.execute(sql`select id from executions where id = ${taskId} for update`);
    process.stdout.write("holding\n");
    await new Promise(() => {});
  })
  .catch((error: unknown) => process.stdout.write(`ended: ${(error as { code?: string }).code ?? String(error)}\n`));
