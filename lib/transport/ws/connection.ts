import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import WebSocket, { type RawData } from "ws";
import { AppError } from "../../errors";
import { log } from "../../log";
import { CLOSE, type CloseCode } from "./close-codes";
import type { ConnectionLimits } from "./limits";

const TEXT = { binary: false } as const;

/** A parsed client frame: a JSON object, not yet validated against the protocol. */
export type RawFrame = Record<string, unknown>;

export interface ConnectionOptions {
  limits: ConnectionLimits;
  /** The protocol's error frame for a refusal (malformed frame, rate limit …); `id` echoes the request when known. */
  errorFrame: (error: AppError, id: unknown) => object;
  /** Told whenever this side closes the socket, with the code (for the endpoint's counters). */
  closing?: (code: CloseCode) => void;
}

/**
 * One accepted WebSocket, protocol-agnostic: frames in (size-checked, JSON-parsed, garbage
 * counted), frames out (with backpressure: a client that does not read is cut off with 4004
 * instead of being buffered for without bound), heartbeats, and a close that always ends the TCP
 * connection in bounded time. The runtime protocol and clawlink v1 build on it.
 */
export class Connection {
  readonly id = randomUUID();
  readonly ip: string | null;
  readonly userAgent: string | null;
  private answeredPing = true;
  private invalidInARow = 0;
  private closing = false;
  private closeCode: CloseCode | null = null;
  private unwritten = 0;
  private drainWaiters: (() => void)[] = [];
  private frameHandler: ((frame: RawFrame) => void) | undefined;
  private readonly closeListeners: ((code: number) => void)[] = [];
  /** One callback for every send (not a closure per frame): counts frames the socket has taken. */
  private readonly written = () => {
    this.unwritten--;
    if (this.unwritten === 0) this.releaseDrainWaiters();
  };

  constructor(
    private readonly socket: WebSocket,
    req: IncomingMessage,
    private readonly options: ConnectionOptions,
  ) {
    this.ip = firstHeader(req.headers["x-forwarded-for"])?.split(",")[0]?.trim() || null;
    this.userAgent = firstHeader(req.headers["user-agent"]) ?? null;
    socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    socket.on("pong", () => (this.answeredPing = true));
    socket.on("error", (error) => log.debug({ err: error, connection: this.id }, "websocket error"));
    socket.once("close", (code) => {
      this.closing = true;
      this.releaseDrainWaiters();
      for (const listener of this.closeListeners) listener(this.closeCode ?? code);
    });
  }

  get limits(): ConnectionLimits {
    return this.options.limits;
  }

  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /** The code this side closed with (or the peer's, once closed); null while open. */
  get closedWith(): number | null {
    return this.closeCode;
  }

  onFrame(handler: (frame: RawFrame) => void): void {
    this.frameHandler = handler;
  }

  /** Called once when the socket is gone, with the code the server chose (or the peer's). */
  onClose(listener: (code: number) => void): void {
    this.closeListeners.push(listener);
  }

  /**
   * Queue a frame (an object, or one already serialised). Returns false when the socket is
   * closed, or when this frame pushed the send buffer over the hard limit and the client was cut off.
   */
  send(frame: object | Buffer): boolean {
    if (!this.open) return false;
    const data = Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.unwritten++;
    this.socket.send(data, TEXT, this.written);
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.cutOff(`send buffer over ${this.limits.maxBufferedBytes} bytes`);
      return false;
    }
    return true;
  }

  /** The client has fallen behind: its send buffer is over the high-water mark. */
  get behind(): boolean {
    return this.socket.bufferedAmount > this.limits.highWaterBytes;
  }

  /**
   * Wait until the client has read everything sent so far, for at most slowConsumerMs; a client
   * that does not is cut off with 4004. Resolves false when the socket is closed or was cut off.
   */
  async whenDrained(): Promise<boolean> {
    if (!this.open) return false;
    if (this.unwritten === 0) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.limits.slowConsumerMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!this.open) return false;
    if (!drained) this.cutOff(`did not read for ${this.limits.slowConsumerMs} ms`);
    return drained;
  }

  /**
   * Send a frame of a stream: when the client has fallen behind (send buffer over the high-water
   * mark), wait until it has read everything sent so far (whenDrained). Resolves false when the
   * stream should stop.
   */
  async sendInOrder(frame: object | Buffer): Promise<boolean> {
    if (!this.send(frame)) return false;
    if (!this.behind) return true;
    return this.whenDrained();
  }

  /** Refuse a frame with an error frame; too many in a row means garbage and closes the socket. */
  reject(error: AppError, id: unknown = null): void {
    this.invalidInARow++;
    if (this.invalidInARow >= this.limits.maxInvalidFrames) {
      this.close(CLOSE.protocolError, "too many malformed frames");
      return;
    }
    this.send(this.options.errorFrame(error, id));
  }

  /** Close with a code; the TCP connection is dropped if the close handshake does not finish in time. */
  close(code: CloseCode, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closeCode = code;
    this.options.closing?.(code);
    this.releaseDrainWaiters();
    // The reason travels in a control frame: at most 123 bytes.
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
    const force = setTimeout(() => this.socket.terminate(), this.limits.closeGraceMs);
    force.unref();
    this.socket.once("close", () => clearTimeout(force));
  }

  /** Called on every heartbeat tick: drop a peer that did not answer the last ping, else ping again. */
  heartbeat(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (!this.answeredPing) {
      log.debug({ connection: this.id }, "websocket peer missed a heartbeat; dropping it");
      this.closing = true;
      this.socket.terminate();
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
  }

  private cutOff(why: string): void {
    log.info({ connection: this.id, buffered: this.socket.bufferedAmount }, `websocket slow consumer closed: ${why}`);
    this.close(CLOSE.slowConsumer, `slow consumer: ${why}`);
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary) return this.reject(new AppError("bad_request", "Binary frames are not part of the protocol: send JSON text frames"));
    if (bytes > this.limits.maxFrameBytes) {
      return this.reject(new AppError("payload_too_large", `Frames are limited to ${this.limits.maxFrameBytes} bytes`, { limit: this.limits.maxFrameBytes, size: bytes }));
    }
    let frame: unknown;
    try {
      frame = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8"));
    } catch {
      return this.reject(new AppError("bad_request", "The frame is not valid JSON"));
    }
    if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
      return this.reject(new AppError("bad_request", "A frame is a JSON object with a `type`"));
    }
    const before = this.invalidInARow;
    try {
      this.frameHandler?.(frame as RawFrame);
    } catch (error) {
      log.error({ err: error, connection: this.id }, "websocket frame handler threw");
      this.close(CLOSE.internal, "internal error");
      return;
    }
    // The protocol accepted the frame (it did not reject it while handling it): the garbage run is over.
    if (this.invalidInARow === before) this.invalidInARow = 0;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
