/**
 * The floor for submit throughput: a bare node:http server that writes exactly the rows
 * POST /api/runtime/tasks/submit writes (lib/engine/commands.ts `enqueueTask`), no more, no less —
 * the executions row, its first log entry (seq 1, PENDING) with its NOTIFY, the (unsealed) audit
 * row, and the queue NOTIFY — as plain INSERTs in one transaction (begin, five statements, commit;
 * the product sends the same rows as one prepared statement), with the same driver
 * (lib/db/client.ts), raw SQL, and nothing else: no Next, no auth, no zod, no ORM, no policies.
 * Env: DATABASE_URL (Postgres) or BENCH_PGLITE_DIR, BENCH_USER_ID, PORT. Prints `BENCH_READY <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { openDatabase, type DatabaseHandle } from "../lib/db/client";
import { CHANNELS } from "../lib/engine/channels";
const DEFAULT_TIMEOUT_MS = 6 * 60 * 60 * 1000;

type Row = Record<string, unknown>;
type Query = (text: string, params?: unknown[]) => Promise<Row[]>;

/** One transaction on the raw driver, whichever it is. */
function transactor(handle: DatabaseHandle): <T>(fn: (q: Query) => Promise<T>) => Promise<T> {
  const raw = handle.raw;
  if (raw.kind === "postgres") {
    return async (fn) =>
      (await raw.client.begin((sql) => fn(async (text, params = []) => [...(await sql.unsafe(text, params as never[]))] as Row[]))) as never;
  }
  return (fn) => raw.client.transaction((tx) => fn(async (text, params = []) => (await tx.query<Row>(text, params)).rows));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function main() {
  const userId = process.env.BENCH_USER_ID;
  if (!userId) throw new Error("BENCH_USER_ID is required");
  const url = process.env.DATABASE_URL || undefined;
  const handle = await openDatabase(url ? { url } : { dataDir: process.env.BENCH_PGLITE_DIR });
  const transaction = transactor(handle);

  const submit = (agentType: string, prompt: string, context: Row, ip: string | null) =>
    transaction(async (q) => {
      const [task] = await q(
        `insert into executions (user_id, agent_type, prompt, context, skills, timeout_ms, events_count)
         values ($1, $2, $3, $4::jsonb, '[]'::jsonb, $5, 1) returning *`,
        [userId, agentType, prompt, JSON.stringify(context), DEFAULT_TIMEOUT_MS],
      );
      const id = String(task.id);
      await q(`insert into execution_events (execution_id, seq, attempt, type, state, data) values ($1, 1, 0, 'state', 'PENDING', '{"from":null}'::jsonb)`, [id]);
      await q(`select pg_notify($1, $2)`, [CHANNELS.events, `${id}:1`]);
      // What recordAudit does: the row goes in unsealed, no lock (the sealer chains it later).
      await q(
        `insert into audit_events (occurred_at, event_type, actor_user_id, session_id, device_id, ip, resource_type, resource_id, action, outcome, details)
         values ($1, 'task.submitted', $2, null, null, $3, 'task', $4, 'task.submitted', 'success', $5::jsonb) returning *`,
        [new Date().toISOString(), userId, ip, id, JSON.stringify({ agent_type: agentType, project_id: null, skills: [], via: "api_token" })],
      );
      await q(`select pg_notify($1, $2)`, [CHANNELS.queue, id]);
      return task;
    });

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== "POST" || req.url !== "/api/runtime/tasks/submit") return reply(res, 404, { error: { code: "not_found" } });
      let body: Row;
      try {
        body = JSON.parse(await readBody(req)) as Row;
      } catch {
        return reply(res, 400, { error: { code: "bad_request" } });
      }
      if (typeof body.agent_type !== "string" || typeof body.prompt !== "string") return reply(res, 422, { error: { code: "validation_failed" } });
      try {
        const task = await submit(body.agent_type, body.prompt, (body.context as Row) ?? {}, req.socket.remoteAddress ?? null);
        reply(res, 202, { task_id: task.id, state: task.state, created_at: new Date(task.created_at as string).toISOString() });
      } catch (error) {
        reply(res, 500, { error: { code: "internal", message: (error as Error).message } });
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
  const address = server.address();
  process.stdout.write(`[baseline] BENCH_READY ${typeof address === "object" && address ? address.port : 0} ${handle.kind}\n`);

  const shutdown = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await handle.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
}

main().catch((error: Error) => {
  process.stderr.write(`[baseline] could not start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
