import WebSocket from "ws";
import type { AdvertisedAgent, AdvertisedSkill } from "../../db/schema";
import { signChallenge, type NodeKeyPair } from "../keys";
import { CLAWLINK_CLOSE, CLAWLINK_PROTOCOL_VERSION, CLAWLINK_WS_PATH, portalFrame, type PortalFrame } from "../protocol";
import type { AgentHost } from "./host";
import { NodeRun } from "./run";

export interface NodeClientOptions {
  /** The portal's base URL (http(s)://host:port), or several portal nodes of one cluster: each reconnect tries the next. */
  portal: string | string[];
  name: string;
  labels: string[];
  concurrency: number;
  keys: NodeKeyPair;
  host: AgentHost;
  version: string;
  enrolmentToken?: string;
  /** Reconnect backoff: doubles from initialMs up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often agents are probed again (an advertisement is sent when something changed). */
  advertiseEveryMs?: number;
  /** App-level ping; no pong within this closes the socket and reconnects. */
  pingEveryMs?: number;
  onEvent?: (event: NodeClientEvent) => void;
}

export type NodeClientEvent =
  | { kind: "connected"; nodeId: string; fingerprint: string; status: string }
  | { kind: "status"; status: string }
  | { kind: "disconnected"; code: number; reason: string; retryInMs: number | null }
  | { kind: "assigned"; taskId: string; agentType: string }
  | { kind: "finished"; taskId: string }
  | { kind: "refused"; code: number; message: string };

type ClientState = "connecting" | "handshake" | "ready" | "closed";

/**
 * `clawlink node`'s connection to the portal: dials out (no inbound port, no database), proves its
 * key by signing the portal's challenge, advertises its agents and skills, runs what it is assigned,
 * and survives disconnects: runs keep going, their reports stay buffered with their seq, and after
 * reconnecting (with backoff) it reports what it still runs and resends what was not acknowledged.
 */
export class NodeClient {
  private socket: WebSocket | undefined;
  private state: ClientState = "closed";
  private readonly runs = new Map<string, NodeRun>();
  private stopped = false;
  private attemptDelay: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private advertiseTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private lastAdvertisement = "";
  private refusedWith: { code: number; message: string } | null = null;
  private portalIndex = 0;
  private readonly done: Promise<{ code: number; message: string } | null>;
  private resolveDone!: (value: { code: number; message: string } | null) => void;
  status: string | null = null;
  nodeId: string | null = null;

  constructor(private readonly options: NodeClientOptions) {
    this.attemptDelay = options.backoff?.initialMs ?? 500;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Connect and keep connecting until stop() or a refusal that retrying cannot fix (revoked, bad key, name taken). */
  start(): Promise<{ code: number; message: string } | null> {
    this.stopped = false;
    this.connect();
    this.advertiseTimer = setInterval(() => void this.advertise(), this.options.advertiseEveryMs ?? 60_000);
    this.advertiseTimer.unref();
    return this.done;
  }

  runningTaskIds(): string[] {
    return [...this.runs.keys()];
  }

  /** Drop the connection now (the runs continue); it reconnects as after any network failure. */
  reconnect(): void {
    this.socket?.terminate();
  }

  /** Stop: running tasks end as node_stopped (reported if still connected), then the socket closes. */
  async stop(graceMs = 3_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.advertiseTimer);
    for (const run of this.runs.values()) run.stop("stopping");
    const deadline = Date.now() + graceMs;
    while (this.runs.size > 0 && this.state === "ready" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.close(CLAWLINK_CLOSE.normal, "node stopping");
    this.resolveDone(null);
  }

  private wsUrl(): string {
    const portals = Array.isArray(this.options.portal) ? this.options.portal : [this.options.portal];
    const base = new URL(portals[this.portalIndex % portals.length]);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    base.pathname = `${base.pathname.replace(/\/+$/, "")}${CLAWLINK_WS_PATH}`;
    base.search = "";
    return base.toString();
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = "connecting";
    const socket = new WebSocket(this.wsUrl(), { perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on("open", () => {
      this.state = "handshake";
      this.send({
        type: "hello",
        protocol: CLAWLINK_PROTOCOL_VERSION,
        node: { name: this.options.name, public_key: this.options.keys.publicKey, version: this.options.version, labels: this.options.labels, concurrency: this.options.concurrency },
        ...(this.options.enrolmentToken ? { enrolment_token: this.options.enrolmentToken } : {}),
      });
    });
    socket.on("message", (data) => {
      let frame: PortalFrame;
      try {
        frame = portalFrame.parse(JSON.parse(data.toString()));
      } catch {
        return this.close(CLAWLINK_CLOSE.protocolError, "malformed frame from the portal");
      }
      this.handle(frame);
    });
    socket.on("unexpected-response", (_req, res) => {
      this.refusedWith = { code: res.statusCode ?? 0, message: `the portal refused the connection (HTTP ${res.statusCode})` };
      socket.terminate();
    });
    socket.on("error", () => {}); // followed by close
    socket.on("close", (code, reason) => this.onClose(socket, code, reason.toString()));
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.state = "closed";
    clearInterval(this.pingTimer);
    const fatal = code === CLAWLINK_CLOSE.revoked || code === CLAWLINK_CLOSE.unauthenticated;
    if (fatal) {
      // Revoked (or a key/name the portal will never accept): stop everything, do not come back.
      for (const run of this.runs.values()) run.stop("gone");
      this.runs.clear();
      this.stopped = true;
      clearInterval(this.advertiseTimer);
      const refusal = { code, message: reason || "refused by the portal" };
      this.options.onEvent?.({ kind: "refused", ...refusal });
      this.resolveDone(refusal);
      return;
    }
    if (this.stopped) return;
    const max = this.options.backoff?.maxMs ?? 30_000;
    const delay = Math.min(max, this.attemptDelay) * (0.75 + Math.random() * 0.5);
    this.attemptDelay = Math.min(max, this.attemptDelay * 2);
    this.options.onEvent?.({ kind: "disconnected", code, reason: reason || this.refusedWith?.message || "", retryInMs: Math.round(delay) });
    // In a cluster the next portal node may be the one that is up.
    this.portalIndex++;
    this.refusedWith = null;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private close(code: number, reason: string): void {
    if (!this.socket) return;
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }

  private send(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private handle(frame: PortalFrame): void {
    switch (frame.type) {
      case "challenge":
        return this.send({ type: "auth", signature: signChallenge(this.options.keys, frame.nonce) });
      case "welcome":
        return void this.welcomed(frame);
      case "status":
        this.status = frame.status;
        this.options.onEvent?.({ kind: "status", status: frame.status });
        return;
      case "assign":
        return this.assigned(frame);
      case "ack":
        return this.runFor(frame)?.acknowledge(frame.seq);
      case "answer":
        return this.runFor(frame)?.answer(frame.wait_seq, frame.answer);
      case "cancel":
        return this.runFor(frame)?.stop(frame.reason);
      case "pong":
        this.awaitingPong = false;
        return;
      case "error":
        return;
    }
  }

  private runFor(frame: { execution_id: string; attempt: number }): NodeRun | undefined {
    const run = this.runs.get(frame.execution_id);
    return run && run.attempt === frame.attempt ? run : undefined;
  }

  private async welcomed(frame: Extract<PortalFrame, { type: "welcome" }>): Promise<void> {
    this.state = "ready";
    this.status = frame.status;
    this.nodeId = frame.node_id;
    this.attemptDelay = this.options.backoff?.initialMs ?? 500;
    this.options.onEvent?.({ kind: "connected", nodeId: frame.node_id, fingerprint: frame.fingerprint, status: frame.status });
    // What we still run first, then everything not yet acknowledged, in order.
    this.send({ type: "running", tasks: [...this.runs.values()].map((r) => ({ execution_id: r.id, attempt: r.attempt, waiting_seq: r.waitingSeq })) });
    for (const run of this.runs.values()) for (const report of run.pending()) this.send(report);
    this.lastAdvertisement = "";
    await this.advertise();
    this.startPinging();
  }

  private startPinging(): void {
    clearInterval(this.pingTimer);
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) return this.socket?.terminate();
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, this.options.pingEveryMs ?? 10_000);
    this.pingTimer.unref();
  }

  private async advertise(): Promise<void> {
    if (this.state !== "ready") return;
    const [agents, skills] = await Promise.all([this.options.host.agents(), this.options.host.skills()]);
    const body: { agents: AdvertisedAgent[]; skills: AdvertisedSkill[] } = { agents, skills: skills.map(({ name, description }) => ({ name, description })) };
    const text = JSON.stringify(body);
    if (text === this.lastAdvertisement || this.state !== "ready") return;
    this.lastAdvertisement = text;
    this.send({ type: "advertise", ...body });
  }

  private assigned(frame: Extract<PortalFrame, { type: "assign" }>): void {
    const current = this.runs.get(frame.execution_id);
    if (current?.attempt === frame.attempt) {
      // Sent again (the portal did not hear our accept): say so again; the run goes on.
      if (current.accepted) this.send({ type: "accept", execution_id: current.id, attempt: current.attempt });
      return;
    }
    current?.stop("gone");
    const run = new NodeRun(frame, this.options.host, {
      send: (f) => this.send(f),
      finished: (r) => {
        if (this.runs.get(r.id) === r) this.runs.delete(r.id);
        this.options.onEvent?.({ kind: "finished", taskId: r.id });
      },
    });
    this.runs.set(frame.execution_id, run);
    this.options.onEvent?.({ kind: "assigned", taskId: frame.execution_id, agentType: frame.agent_type });
    void run.start();
  }
}
