/**
 * Diagnostic tier between the baseline and the product: the product's own HTTP adapter
 * (lib/transport/http — routing, bearer auth, zod, permission and policy checks, the runtime,
 * Drizzle, the same transaction) called from a bare node:http server, without Next.
 * product ÷ this = what Next's server adds; this ÷ baseline = what our handler and lib add.
 * Env: DATABASE_URL or DATA_DIR, CLAWLINK_TEST_AGENT=1, PORT. Prints `BENCH_READY <port>`.
 */
import { createServer, type IncomingMessage } from "node:http";

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function main() {
  const { getDatabase, closeDatabase } = await import("../lib/db");
  const { env } = await import("../lib/env");
  const { pinClientAddress } = await import("../lib/security/client-address");
  const { handleApiRequest } = await import("../lib/transport/http");
  const config = env();
  await getDatabase();

  const server = createServer((req, res) => {
    void (async () => {
      pinClientAddress(req, { trustProxy: false });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const body = await readBody(req);
      const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined });
      const response = await handleApiRequest(request);
      const text = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, { ...Object.fromEntries(response.headers), "content-length": text.length });
      res.end(text);
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, "127.0.0.1", resolve));
  const address = server.address();
  process.stdout.write(`[handler] BENCH_READY ${typeof address === "object" && address ? address.port : 0}\n`);

  const shutdown = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeDatabase();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
}

main().catch((error: Error) => {
  process.stderr.write(`[handler] could not start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
