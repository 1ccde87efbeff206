import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DatabaseHandle } from "../../lib/db/client";
import { answerClientError, nodeRequestListener } from "../../lib/transport/http/node";
import { attachWebSocketTransport, RUNTIME_WS_PATH, type AttachedWebSockets } from "../../lib/transport/ws";

export interface RouteNode {
  url: string;
  /** ws://…/api/runtime/ws when started with the WebSocket transport. */
  wsUrl: string | null;
  server: Server;
  sockets: AttachedWebSockets | null;
  close(): Promise<void>;
}

/**
 * A real node for tests that spawn clients (the `clawlink` CLI) or speak raw HTTP: the API served
 * the way `npm start` serves it ahead of Next (lib/transport/http/node.ts: the node's own request
 * listener, its checks at the door and the registry's HTTP adapter on node:http), plus the WebSocket transport when given the database — real HTTP, auth,
 * SSE, WebSocket and errors, without building Next.
 */
export async function startRouteNode(options: { ws?: DatabaseHandle } = {}): Promise<RouteNode> {
  let fallbackHost = "127.0.0.1";
  const server = createServer(nodeRequestListener({ trustProxy: false, fallbackHost: () => fallbackHost }));
  server.on("clientError", answerClientError);
  const sockets = options.ws ? attachWebSocketTransport(server, { handle: options.ws }) : null;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fallbackHost = `127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: sockets ? `ws://127.0.0.1:${port}${RUNTIME_WS_PATH}` : null,
    server,
    sockets,
    async close() {
      await sockets?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
