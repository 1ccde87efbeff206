import type { IncomingMessage } from "node:http";

/**
 * Route handlers read the caller's IP from x-forwarded-for (clientIp), and sign-in throttling
 * and audit rows rely on it. Any client can send that header, so the HTTP server must pin it to
 * the socket's address before Next sees the request, unless a trusted reverse proxy in front
 * of us sets it. Call this first thing in the node:http request listener.
 */
export function pinClientAddress(req: IncomingMessage, opts: { trustProxy: boolean }): void {
  if (opts.trustProxy && req.headers["x-forwarded-for"]) return;
  const address = req.socket.remoteAddress ?? "";
  req.headers["x-forwarded-for"] = address.startsWith("::ffff:") ? address.slice(7) : address;
  delete req.headers["x-real-ip"];
}
