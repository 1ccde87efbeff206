import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import type { NextConfig } from "next";
import type { DatabaseHandle } from "../../lib/db";
import type { TransportName } from "../../lib/transport/select";

export interface ServeOptions {
  handle: DatabaseHandle;
  transports: ReadonlySet<TransportName>;
  dev: boolean;
  /** The Next project (or a private copy of its build). */
  dir: string;
  host: string;
  port: number;
  trustProxy: boolean;
}

export interface Serving {
  server: Server;
  port: number;
  /** Sockets first (close 1001, so clients resume elsewhere), then the HTTP server. */
  close(): Promise<void>;
}

/**
 * In production Next gets the configuration the build resolved (.next/required-server-files.json)
 * the way Next's own standalone server hands it over, instead of loading next.config.ts again: a
 * TypeScript config is transpiled by Next's native SWC binding, which then stays mapped (26 MB of
 * RSS) with its thread pool for the life of the process. It is also the configuration the pages
 * were built with. (`next({ conf })` would not do: a custom server's request handler loads the file anyway.)
 */
export function applyBuiltConfig(dir: string): void {
  const { config } = JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8")) as { config: NextConfig };
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

/**
 * The node's HTTP server with the chosen transports: `http` serves the API (JSON and SSE) with the
 * HTTP adapter directly (lib/transport/http/node.ts) and everything else (pages, next-auth) through
 * Next's request handler; `ws` upgrades /api/runtime/ws on the same port. Next's own upgrade handling
 * (dev HMR) only ever sees /_next/ upgrades: it is handed a stand-in server object to listen on, so
 * it can never answer (or end) an upgrade meant for one of our endpoints.
 */
export async function serveTransports(options: ServeOptions): Promise<Serving> {
  const { answerClientError, nodeRequestListener } = await import("../../lib/transport/http/node");
  const nextUpgrades = new EventEmitter();
  let handleRequest: ((req: IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>) | undefined;
  if (options.transports.has("http")) {
    if (!options.dev) applyBuiltConfig(options.dir);
    const { default: next } = await import("next");
    const app = next({ dev: options.dev, dir: options.dir, hostname: options.host, port: options.port, httpServer: nextUpgrades as unknown as Server });
    await app.prepare();
    handleRequest = app.getRequestHandler();
  }
  const serving = [...options.transports].join(", ");
  const fallbackHost = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  // In production the API is answered ahead of Next (same handler, none of Next's per-request cost
  // on the hot path); in dev Next serves it too, so API code reloads with the pages. Either way the
  // listener first refuses bad methods, URLs and oversized bodies as JSON (lib/transport/http/node.ts).
  const server = createServer(
    handleRequest
      ? nodeRequestListener({ next: handleRequest, api: !options.dev, trustProxy: options.trustProxy, fallbackHost: () => fallbackHost })
      : (_req, res) => {
          res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify({ error: { code: "not_found", message: `This node serves only: ${serving}` } }));
        },
  );

  server.on("clientError", answerClientError);

  const { attachWebSockets, runtimeEndpoint } = await import("../../lib/transport/ws");
  const { RemoteHub } = await import("../../lib/remote/portal/hub");
  const nextUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void nextUpgrades.emit("upgrade", req, socket, head);
  // One upgrade router for every socket protocol on this port: each path answers, the rest 404.
  const hub = options.transports.has("clawlink") ? new RemoteHub({ handle: options.handle }) : undefined;
  const endpoints = [
    ...(options.transports.has("ws") ? [runtimeEndpoint({ handle: options.handle, trustProxy: options.trustProxy })] : []),
    ...(hub ? [hub.endpoint()] : []),
  ];
  const attached = attachWebSockets(server, endpoints, { trustProxy: options.trustProxy, nextUpgrade });
  const sockets = {
    async close() {
      await hub?.close();
      await attached.close();
    },
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : options.port,
    async close() {
      await sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
