import type { IncomingMessage, Server } from "node:http";
import { sql } from "drizzle-orm";
import { findAgent } from "../../agents/registry";
import { executions } from "../../db/schema";
import type { DatabaseHandle } from "../../db/client";
import { CHANNELS, parseControlNotice } from "../../engine/channels";
import { newNodeId } from "../../engine/engine";
import { renewLeases } from "../../engine/queue";
import { sweep } from "../../engine/sweeper";
import { env } from "../../env";
import { AppError } from "../../errors";
import { log } from "../../log";
import { ensureAgents } from "../../runtime/agents";
import { DEFAULT_CONNECTION_LIMITS } from "../../transport/ws/limits";
import { attachWebSockets, type AttachedWebSockets, type AttachOptions, type WebSocketEndpoint } from "../../transport/ws/server";
import { CLAWLINK_CLOSE, CLAWLINK_WS_PATH } from "../protocol";
import { claimKeyOf, NODES_CHANNEL, parseNodeNotice, touchNodes } from "./nodes";
import { NodeSession } from "./session";

export interface RemoteHubOptions {
  handle: DatabaseHandle;
  /** How long a node may stay away before its runs fail node_lost (CLAWLINK_NODE_LEASE_MS). */
  leaseMs?: number;
  /** Lease renewal and last-seen interval. */
  heartbeatMs?: number;
  /** Fallback claim poll; wake-ups normally come by NOTIFY. */
  pollMs?: number;
  /** Recovery sweep (the same sweeper local workers run). */
  sweepMs?: number;
  handshakeMs?: number;
  /** Socket-level ping interval (dead TCP connections are noticed after two). */
  socketHeartbeatMs?: number;
}

/**
 * The portal's side of clawlink v1 in one process: the connected remote nodes, and the timers and
 * NOTIFY listeners they share (claims on new work, cancels and answers for their runs, decisions on
 * the nodes made on any portal process).
 */
export class RemoteHub {
  readonly processId = `portal-${newNodeId()}`;
  readonly leaseMs: number;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisteners: (() => Promise<void>)[] = [];
  private started: Promise<void> | undefined;
  private sweeping = false;

  constructor(private readonly options: RemoteHubOptions) {
    this.leaseMs = options.leaseMs ?? env().CLAWLINK_NODE_LEASE_MS;
  }

  get db() {
    return this.options.handle.db;
  }

  /** Connected, authenticated nodes by id (tests and stats). */
  connected(): NodeSession[] {
    return [...this.sessions.values()];
  }

  endpoint(): WebSocketEndpoint {
    return {
      path: CLAWLINK_WS_PATH,
      // One malformed frame closes the connection (4000): a node speaks the protocol or nothing.
      limits: { maxInvalidFrames: 1, heartbeatMs: this.options.socketHeartbeatMs ?? DEFAULT_CONNECTION_LIMITS.heartbeatMs },
      errorFrame: (error: AppError) => ({ type: "error", code: error.code, message: error.message }),
      accept: async (req: IncomingMessage) => {
        // The node proves who it is by signing a challenge on the socket: nothing belongs in the URL.
        if (new URL(req.url ?? "/", "http://localhost").search) throw new AppError("bad_request", "clawlink takes no URL parameters: a node authenticates by signed challenge");
        await this.start();
        return (connection) =>
          new NodeSession(connection, {
            db: this.db,
            processId: this.processId,
            leaseMs: this.leaseMs,
            handshakeMs: this.options.handshakeMs ?? 10_000,
            serverVersion: process.env.npm_package_version ?? "0.2.0",
            isResumable: isResumable,
            register: (session) => this.register(session),
            unregister: (session) => {
              if (session.node && this.sessions.get(session.node.id) === session) this.sessions.delete(session.node.id);
            },
          }).start();
      },
    };
  }

  /** Listeners and timers start with the first connection. */
  start(): Promise<void> {
    this.started ??= this.startInner();
    return this.started;
  }

  private async startInner(): Promise<void> {
    const { handle } = this.options;
    this.unlisteners.push(await handle.listen(CHANNELS.queue, () => this.pumpAll()));
    this.unlisteners.push(
      await handle.listen(CHANNELS.control, (payload) => {
        const notice = parseControlNotice(payload);
        if (!notice) return;
        for (const session of this.sessions.values()) {
          const run = session.runFor(notice.taskId);
          if (run) run.refresh().catch((error: unknown) => log.warn({ err: error, taskId: notice.taskId }, "remote run refresh failed"));
        }
      }),
    );
    this.unlisteners.push(await handle.listen(NODES_CHANNEL, (payload) => this.onNodeNotice(payload)));
    this.every(this.options.heartbeatMs ?? Math.max(500, Math.floor(this.leaseMs / 6)), () => this.heartbeat(), "remote node heartbeat");
    this.every(this.options.pollMs ?? 2_000, () => this.pumpAll(), "remote claim poll");
    this.every(this.options.sweepMs ?? 2_000, () => this.sweepNow(), "remote sweep");
  }

  private every(ms: number, fn: () => Promise<void> | void, what: string): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(fn)
        .catch((error: unknown) => log.warn({ err: error }, `${what} failed`));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private register(session: NodeSession): void {
    const id = session.node!.id;
    const older = this.sessions.get(id);
    this.sessions.set(id, session);
    if (older && older !== session) older.close(CLAWLINK_CLOSE.replaced, "the node connected again");
  }

  private onNodeNotice(payload: string): void {
    const notice = parseNodeNotice(payload);
    const session = notice && this.sessions.get(notice.nodeId);
    if (!notice || !session) return;
    if (notice.kind === "revoked") session.close(CLAWLINK_CLOSE.revoked, "the node was revoked");
    else if (notice.kind === "connected") {
      if (notice.extra !== session.connectionKey) session.close(CLAWLINK_CLOSE.replaced, "the node connected again elsewhere");
    } else void session.nodeChanged().catch((error: unknown) => log.warn({ err: error }, "remote node refresh failed"));
  }

  pumpAll(): void {
    for (const session of this.sessions.values()) session.pump();
  }

  private async heartbeat(): Promise<void> {
    const ready = [...this.sessions.values()].filter((s) => s.ready && s.node);
    await touchNodes(this.db, ready.map((s) => s.node!.id));
    for (const session of ready) {
      const held = session.heldRuns();
      const statuses = await renewLeases(this.db, { nodeId: claimKeyOf(session.node!.id), held, leaseMs: this.leaseMs });
      session.observe(new Map(statuses.map((s) => [s.id, s])), held);
    }
  }

  async sweepNow(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await sweep(this.db, { isResumable, graceMs: this.leaseMs, leaseScope: sql`${executions.claimedBy} like 'node:%'` });
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const unlisten of this.unlisteners.splice(0)) await unlisten().catch(() => {});
    for (const session of this.sessions.values()) session.close(CLAWLINK_CLOSE.goingAway, "the portal is shutting down");
    this.sessions.clear();
    this.started = undefined;
  }
}

function isResumable(agentType: string): boolean {
  ensureAgents();
  return findAgent(agentType)?.resumable === true;
}

export interface AttachedClawlink extends AttachedWebSockets {
  hub: RemoteHub;
}

/** Serve clawlink v1 alone on a server (tests; the start script combines endpoints with attachWebSockets). */
export function attachClawlink(server: Server, options: RemoteHubOptions & Pick<AttachOptions, "trustProxy">): AttachedClawlink {
  const hub = new RemoteHub(options);
  const sockets = attachWebSockets(server, [hub.endpoint()], { trustProxy: options.trustProxy });
  return {
    hub,
    stats: () => sockets.stats(),
    async close() {
      await hub.close();
      await sockets.close();
    },
  };
}
