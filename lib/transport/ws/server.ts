import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { AppError } from "../../errors";
import { log } from "../../log";
import { toAppError } from "../../operations";
import { pinClientAddress } from "../../security/client-address";
import { CLOSE } from "./close-codes";
import { Connection } from "./connection";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "./limits";

/** One WebSocket protocol served on one path of the node's HTTP server. */
export interface WebSocketEndpoint {
  /** The exact path, e.g. "/api/runtime/ws". */
  path: string;
  limits?: Partial<ConnectionLimits>;
  /** The protocol's error frame, used for frames refused before the protocol sees them. */
  errorFrame: (error: AppError, id: unknown) => object;
  /**
   * Runs on the upgrade request, before the handshake is answered: throw an AppError to refuse
   * with its HTTP status and JSON body (the same as the HTTP API's). Resolves with what starts the
   * protocol on the connection once the socket is open.
   */
  accept(req: IncomingMessage): Promise<(connection: Connection) => void>;
}

export interface AttachOptions {
  /** Believe X-Forwarded-For from a trusted proxy (as the HTTP side does). */
  trustProxy?: boolean;
  /** Upgrades under /_next/ (Next's dev HMR) go here; without it they are refused. */
  nextUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface EndpointStats {
  /** Sockets open now. */
  connections: number;
  /** Sockets this side closed since start, by close code (4004 = slow consumers cut off …). */
  closedByServer: Record<number, number>;
}

export interface AttachedWebSockets {
  /** Per endpoint path. */
  stats(): Record<string, EndpointStats>;
  /** Close every socket with 1001 (going away) and stop accepting upgrades. */
  close(): Promise<void>;
}

/**
 * Route the HTTP server's upgrade requests by path to WebSocket endpoints (the runtime protocol
 * now, clawlink v1 later), with one heartbeat timer per endpoint. Unknown paths answer 404;
 * credentials in the URL are refused by the endpoints' `accept`, like everywhere else.
 */
export function attachWebSockets(server: Server, endpoints: WebSocketEndpoint[], options: AttachOptions = {}): AttachedWebSockets {
  const routes = new Map(
    endpoints.map((endpoint) => {
      const limits = { ...DEFAULT_CONNECTION_LIMITS, ...endpoint.limits };
      const wss = new WebSocketServer({ noServer: true, maxPayload: limits.hardMaxFrameBytes, perMessageDeflate: false, clientTracking: false });
      const connections = new Set<Connection>();
      const closedByServer: Record<number, number> = {};
      const heartbeat = setInterval(() => {
        for (const connection of connections) connection.heartbeat();
      }, limits.heartbeatMs);
      heartbeat.unref();
      return [endpoint.path, { endpoint, limits, wss, connections, closedByServer, heartbeat }] as const;
    }),
  );
  let closed = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", (error) => log.debug({ err: error }, "upgrade socket error"));
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname.startsWith("/_next/") && options.nextUpgrade) return options.nextUpgrade(req, socket, head);
    const route = routes.get(pathname);
    if (!route || closed) return refuseUpgrade(socket, new AppError("not_found", route ? "This node is shutting down" : `No WebSocket endpoint at ${pathname}`));
    pinClientAddress(req, { trustProxy: options.trustProxy ?? false });
    route.endpoint.accept(req).then(
      (start) => {
        if (socket.destroyed) return;
        route.wss.handleUpgrade(req, socket, head, (ws) => {
          const connection = new Connection(ws, req, {
            limits: route.limits,
            errorFrame: route.endpoint.errorFrame,
            closing: (code) => (route.closedByServer[code] = (route.closedByServer[code] ?? 0) + 1),
          });
          route.connections.add(connection);
          connection.onClose(() => route.connections.delete(connection));
          try {
            start(connection);
          } catch (error) {
            log.error({ err: error }, "websocket endpoint failed to start a connection");
            connection.close(CLOSE.internal, "internal error");
          }
        });
      },
      (error: unknown) => refuseUpgrade(socket, error),
    );
  };
  server.on("upgrade", onUpgrade);

  return {
    stats: () => Object.fromEntries([...routes].map(([path, r]) => [path, { connections: r.connections.size, closedByServer: { ...r.closedByServer } }])),
    async close() {
      closed = true;
      server.off("upgrade", onUpgrade);
      const waits: Promise<void>[] = [];
      for (const route of routes.values()) {
        clearInterval(route.heartbeat);
        for (const connection of route.connections) {
          waits.push(new Promise((resolve) => connection.onClose(() => resolve())));
          connection.close(CLOSE.goingAway, "the node is shutting down");
        }
        route.wss.close();
      }
      await Promise.all(waits);
    },
  };
}

/** Answer a refused upgrade with a plain HTTP response carrying the API's JSON error body. */
function refuseUpgrade(socket: Duplex, error: unknown): void {
  if (socket.destroyed) return;
  const appError = toAppError(error, { requestId: randomUUID(), operation: "websocket upgrade" });
  const body = JSON.stringify(appError.toBody());
  const headers = [
    `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? "Error"}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    ...Object.entries(appError.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${headers.join("\r\n")}\r\n\r\n${body}`);
}
