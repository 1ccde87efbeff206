import type { IncomingMessage, Server } from "node:http";
import type { DatabaseHandle } from "../../db/client";
import { credentialWatcherFor } from "../../security/credential-watch";
import { authenticateUpgrade, upgradeOrigin } from "./credentials";
import { EventFrames } from "./event-frames";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "./limits";
import { errorFrameOf, RUNTIME_WS_PATH } from "./protocol";
import { DEFAULT_RUNTIME_LIMITS, RuntimeSession, type CredentialWatch, type RuntimeLimits } from "./runtime-session";
import { attachWebSockets, type AttachedWebSockets, type AttachOptions, type WebSocketEndpoint } from "./server";

export { CLOSE, CLOSE_DESCRIPTIONS } from "./close-codes";
export { PROTOCOL_VERSION, RUNTIME_WS_PATH } from "./protocol";
export { attachWebSockets, type AttachedWebSockets, type WebSocketEndpoint } from "./server";
export type { ConnectionLimits } from "./limits";
export type { CredentialWatch, RuntimeLimits } from "./runtime-session";

export interface RuntimeEndpointOptions {
  handle: DatabaseHandle;
  trustProxy?: boolean;
  limits?: Partial<ConnectionLimits & RuntimeLimits>;
  /** Closes the socket (4002) when its credential ends; default: the process's credential watcher, the one SSE uses too. */
  watchCredential?: CredentialWatch;
}

/** The runtime protocol's endpoint (GET /api/runtime/ws), ready to be attached to a server. */
export function runtimeEndpoint(options: RuntimeEndpointOptions): WebSocketEndpoint {
  const { handle } = options;
  const trustProxy = options.trustProxy ?? false;
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...DEFAULT_RUNTIME_LIMITS, ...options.limits };
  const deps = {
    db: handle.db,
    origin: (req: IncomingMessage) => upgradeOrigin(req, { trustProxy }),
    frames: new EventFrames(),
    limits,
    trustProxy,
    watchCredential: options.watchCredential ?? ((ctx, ended) => credentialWatcherFor(handle).watch(ctx, ended)),
    serverVersion: process.env.npm_package_version ?? "0.2.0",
  };
  return {
    path: RUNTIME_WS_PATH,
    limits,
    errorFrame: errorFrameOf,
    accept: async (req) => {
      const ctx = await authenticateUpgrade(handle.db, req, { trustProxy });
      return (connection) => new RuntimeSession(connection, req, ctx, deps).start();
    },
  };
}

/**
 * Serve the WebSocket transport on a node:http server (the start script's, or a test's plain one):
 * `attachWebSocketTransport(server, { handle })`. Returns stats and a close() for shutdown.
 */
export function attachWebSocketTransport(server: Server, options: RuntimeEndpointOptions & Pick<AttachOptions, "nextUpgrade">): AttachedWebSockets {
  return attachWebSockets(server, [runtimeEndpoint(options)], { trustProxy: options.trustProxy, nextUpgrade: options.nextUpgrade });
}
