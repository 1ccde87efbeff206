import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { type ClientOptions } from "ws";
import type { DatabaseHandle } from "../../lib/db/client";
import { attachWebSocketTransport, RUNTIME_WS_PATH, type AttachedWebSockets, type RuntimeEndpointOptions } from "../../lib/transport/ws";

// Frames are loosely typed on purpose: tests assert their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

export interface WsTestServer {
  url: string;
  server: Server;
  transport: AttachedWebSockets;
  stop(): Promise<void>;
}

/** The WebSocket transport on a plain node:http server (no Next), on a free loopback port. */
export async function startWsServer(handle: DatabaseHandle, options: Partial<RuntimeEndpointOptions> = {}): Promise<WsTestServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const transport = attachWebSocketTransport(server, { handle, ...options });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${RUNTIME_WS_PATH}`,
    server,
    transport,
    async stop() {
      await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const WAIT_MS = 20_000;

/** A protocol client for tests: every frame it receives is kept, in order, and can be awaited. */
export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) => socket.once("close", (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
  }

  /** Open a socket; rejects with the HTTP status and body when the upgrade is refused. */
  static connect(url: string, options: ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      const client = new WsClient(socket);
      socket.once("open", () => resolve(client));
      socket.once("unexpected-response", (_req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : null })));
      });
      socket.once("error", reject);
    });
  }

  /** Connect with a bearer header and complete the handshake. */
  static async open(url: string, token: string, options: ClientOptions = {}): Promise<{ client: WsClient; welcome: Frame }> {
    const client = await WsClient.connect(url, { ...options, headers: { authorization: `Bearer ${token}`, ...options.headers } });
    return { client, welcome: await client.hello() };
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  async hello(): Promise<Frame> {
    this.send({ type: "hello", protocol: 1, client: "vitest" });
    return this.waitFor((f) => f.type === "welcome" || f.type === "error");
  }

  /** Send a request and wait for its result or error. */
  async request(type: string, input: Record<string, unknown> = {}): Promise<Frame> {
    const id = `r${this.nextId++}`;
    this.send({ type, id, ...input });
    return this.waitFor((f) => (f.type === "result" || f.type === "error") && f.id === id);
  }

  /** The first received frame matching `match` (already received or still to come). */
  async waitFor(match: (frame: Frame) => boolean, timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the frame came; got ${JSON.stringify(this.frames.slice(-3))}`);
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; last: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Event frames of one task, in arrival order. */
  events(taskId: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && f.task_id === taskId);
  }

  /** Wait for the task's `ended` frame, then return its event frames. */
  async followToEnd(taskId: string, timeoutMs = WAIT_MS): Promise<Frame[]> {
    await this.waitFor((f) => f.type === "ended" && f.task_id === taskId, timeoutMs);
    return this.events(taskId);
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** 1, 2, … n after `after`: what a complete, in-order stream of a task's log looks like. */
export function seqsAfter(after: number, last: number): number[] {
  return Array.from({ length: last - after }, (_, i) => after + i + 1);
}
