/**
 * Close codes the node sends on its WebSockets (RFC 6455 §7.4: 4000–4999 are ours). Documented in
 * the README and the published schema; clients switch on them to decide whether to reconnect.
 */
export const CLOSE = {
  /** Normal closure (the client said goodbye, or the server drained it). */
  normal: 1000,
  /** The node is shutting down: reconnect to another node or later, resuming with `after`. */
  goingAway: 1001,
  /** A frame above the hard size cap: the library closes before reading it. */
  tooBig: 1009,
  /** Something broke on the server; the request id is in the logs. */
  internal: 1011,
  /** Garbage: repeated frames that are not JSON objects, binary frames, or an unsupported protocol version. */
  protocolError: 4000,
  /** The `auth` frame's credential was refused (or was missing when a request arrived). */
  unauthenticated: 4001,
  /** The credential ended while connected: token or session revoked or expired, device revoked, user disabled, role changed. */
  credentialEnded: 4002,
  /** No `hello` (and `auth`, when the upgrade carried no credential) within the handshake deadline. */
  handshakeTimeout: 4003,
  /** The client stopped reading: its send buffer stayed over the limit, so it was cut off instead of buffering without bound. */
  slowConsumer: 4004,
  /** The client kept sending after being told it was rate limited. */
  rateLimited: 4005,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** One line per code, for the README and the schema document. */
export const CLOSE_DESCRIPTIONS: Record<CloseCode, string> = {
  1000: "normal closure",
  1001: "the node is shutting down; reconnect and resubscribe with `after`",
  1009: "a frame exceeded the hard size cap",
  1011: "internal error",
  4000: "protocol error: garbage frames, binary frames, or an unsupported protocol version",
  4001: "authentication failed",
  4002: "the credential ended (revoked, expired, device revoked, user disabled or role changed)",
  4003: "handshake timeout: no hello/auth in time",
  4004: "slow consumer: the client did not read its frames",
  4005: "rate limit exceeded repeatedly",
};
