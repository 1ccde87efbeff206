/** What one WebSocket connection may cost the node. Every protocol on the server shares these. */
export interface ConnectionLimits {
  /** A text frame above this gets an error frame and is not parsed (the HTTP API's body limit). */
  maxFrameBytes: number;
  /** A frame above this closes the socket (1009) before it is read in full. */
  hardMaxFrameBytes: number;
  /** Send buffer above which a stream waits for the client to read before sending more. */
  highWaterBytes: number;
  /** Send buffer above which the client is cut off at once (4004). */
  maxBufferedBytes: number;
  /** How long a stream waits for the client to read what it was sent before cutting it off (4004). */
  slowConsumerMs: number;
  /** The server pings this often; a client that did not answer the previous ping is dropped. */
  heartbeatMs: number;
  /** Consecutive malformed frames tolerated before the socket is closed as garbage (4000). */
  maxInvalidFrames: number;
  /** After the server closes, how long the close handshake may take before the TCP connection is dropped. */
  closeGraceMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxFrameBytes: 1_048_576,
  hardMaxFrameBytes: 4 * 1_048_576,
  highWaterBytes: 1_048_576,
  maxBufferedBytes: 8 * 1_048_576,
  slowConsumerMs: 10_000,
  heartbeatMs: 15_000,
  maxInvalidFrames: 10,
  closeGraceMs: 5_000,
};
