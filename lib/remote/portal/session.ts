import { randomBytes } from "node:crypto";
import { and, eq, inArray, notInArray, or, isNull, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client";
import { executions, type RemoteNode } from "../../db/schema";
import { ACTIVE_STATES } from "../../engine/lifecycle";
import { claimTasks, leaseInterval, releaseTask, type LeaseStatus } from "../../engine/queue";
import { transitionTask } from "../../engine/transitions";
import { isAppError } from "../../errors";
import { log } from "../../log";
import type { CloseCode } from "../../transport/ws/close-codes";
import type { Connection, RawFrame } from "../../transport/ws/connection";
import { verifyChallenge } from "../keys";
import { CLAWLINK_CLOSE, CLAWLINK_PROTOCOL_VERSION, nodeFrame, type NodeFrame } from "../protocol";
import { claimKeyOf, identifyNode, loadNode, markConnected, markDisconnected, saveAdvertisement } from "./nodes";
import { RemoteRun, type RunLink } from "./remote-run";

export interface SessionDeps {
  db: Database;
  /** This portal process, for `connected_to`. */
  processId: string;
  leaseMs: number;
  handshakeMs: number;
  serverVersion: string;
  isResumable(agentType: string): boolean;
  register(session: NodeSession): void;
  unregister(session: NodeSession): void;
}

const MAX_REMEMBERED_DROPS = 1_000;

/**
 * One remote node's connection: the signed-challenge handshake, then the node's reports routed to
 * its runs, and claims of the tasks placed on it while it is approved, connected and not draining.
 * Any frame that is malformed, unknown, out of place or about a run it was not given closes the
 * connection before anything is written.
 */
export class NodeSession {
  readonly connectionKey: string;
  node: RemoteNode | undefined;
  private phase: "hello" | "auth" | "ready" = "hello";
  private intro: Extract<NodeFrame, { type: "hello" }> | undefined;
  private nonce = "";
  private reported = false;
  private readonly runs = new Map<string, RemoteRun>();
  private readonly dropped = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private closed = false;
  private readonly link: RunLink;

  constructor(
    private readonly connection: Connection,
    private readonly deps: SessionDeps,
  ) {
    this.connectionKey = `${deps.processId}/${connection.id}`;
    const node = () => this.node!;
    this.link = {
      db: deps.db,
      get claimKey() {
        return claimKeyOf(node().id);
      },
      get nodeName() {
        return node().name;
      },
      send: (frame) => this.connection.send(frame),
      fail: () => this.close(1011, "could not record a report; reconnect and resend"),
      release: (run) => {
        if (this.runs.get(run.id) === run) this.runs.delete(run.id);
        this.remember(run.key);
        this.pump();
      },
    };
  }

  start(): void {
    this.handshakeTimer = setTimeout(() => this.close(CLAWLINK_CLOSE.handshakeTimeout, "no hello/auth in time"), this.deps.handshakeMs);
    this.handshakeTimer.unref();
    this.connection.onFrame((raw) => this.receive(raw));
    this.connection.onClose(() => void this.onClosed());
  }

  get ready(): boolean {
    return this.phase === "ready" && this.reported && !this.closed;
  }

  runFor(taskId: string): RemoteRun | undefined {
    return this.runs.get(taskId);
  }

  heldRuns(): RemoteRun[] {
    return [...this.runs.values()];
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.runs.values()) run.detach();
    this.runs.clear();
    this.connection.close(code as CloseCode, reason);
  }

  /** The node's row changed (approved, draining, resumed): tell it, and claim if it may run. */
  async nodeChanged(): Promise<void> {
    if (!this.node || this.closed) return;
    const fresh = await loadNode(this.deps.db, this.node.id);
    if (!fresh || fresh.status === "revoked") return this.close(CLAWLINK_CLOSE.revoked, "the node was revoked");
    this.node = fresh;
    this.connection.send({ type: "status", status: statusOf(fresh) });
    this.pump();
  }

  /** Renew the leases of the runs on this node and react to what the rows say. */
  observe(statuses: Map<string, Pick<LeaseStatus, "attempt" | "state" | "cancelRequestedAt">>, held: RemoteRun[]): void {
    for (const run of held) if (this.runs.get(run.id) === run) run.observe(statuses.get(run.id));
  }

  private remember(key: string): void {
    this.dropped.add(key);
    if (this.dropped.size > MAX_REMEMBERED_DROPS) this.dropped.delete(this.dropped.values().next().value!);
  }

  private refuse(code: number, message: string, errorCode = "bad_request"): void {
    this.connection.send({ type: "error", code: errorCode, message });
    this.close(code, message);
  }

  private receive(raw: RawFrame): void {
    if (this.closed) return;
    const parsed = nodeFrame.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.refuse(CLAWLINK_CLOSE.protocolError, `Malformed or unknown frame: ${issue?.path.join(".") || "type"} ${issue?.message ?? ""}`.trim());
    }
    const frame = parsed.data;
    this.chain = this.chain
      .then(() => (this.closed ? undefined : this.handle(frame)))
      .catch((error: unknown) => {
        if (isAppError(error)) return this.refuse(error.code === "conflict" || error.code === "unauthenticated" || error.code === "quota_exceeded" ? CLAWLINK_CLOSE.unauthenticated : CLAWLINK_CLOSE.protocolError, error.message, error.code);
        log.error({ err: error, connection: this.connectionKey }, "clawlink frame failed");
        this.close(1011, "internal error");
      });
  }

  private async handle(frame: NodeFrame): Promise<void> {
    if (this.phase === "hello") {
      if (frame.type !== "hello") return this.refuse(CLAWLINK_CLOSE.protocolError, "Say hello first");
      if (frame.protocol !== CLAWLINK_PROTOCOL_VERSION) return this.refuse(CLAWLINK_CLOSE.protocolError, `Unsupported protocol ${frame.protocol}; this portal speaks clawlink ${CLAWLINK_PROTOCOL_VERSION}`);
      this.intro = frame;
      this.nonce = randomBytes(32).toString("base64url");
      this.phase = "auth";
      this.connection.send({ type: "challenge", protocol: CLAWLINK_PROTOCOL_VERSION, nonce: this.nonce });
      return;
    }
    if (this.phase === "auth") {
      if (frame.type !== "auth") return this.refuse(CLAWLINK_CLOSE.protocolError, "Answer the challenge with an auth frame");
      return this.authenticate(frame.signature);
    }
    switch (frame.type) {
      case "advertise":
        await saveAdvertisement(this.deps.db, this.node!.id, frame.agents, frame.skills);
        this.node = { ...this.node!, agents: frame.agents, skills: frame.skills };
        return this.pump();
      case "running":
        if (this.reported) return this.refuse(CLAWLINK_CLOSE.protocolError, "`running` is sent once per connection");
        await this.adopt(frame.tasks);
        this.reported = true;
        return this.pump();
      case "ping":
        this.connection.send({ type: "pong" });
        return;
      case "accept":
      case "reject":
      case "event":
      case "wait":
      case "end": {
        if (!this.reported) return this.refuse(CLAWLINK_CLOSE.protocolError, "Send `running` before reporting on runs");
        const run = this.runs.get(frame.execution_id);
        if (!run || run.attempt !== frame.attempt) {
          // A late frame of a run this connection already let go of is harmless; anything else was never given to this node.
          if (this.dropped.has(`${frame.execution_id}:${frame.attempt}`)) return;
          return this.refuse(CLAWLINK_CLOSE.unauthorisedFrame, "This node was not assigned that run", "forbidden");
        }
        if (frame.type === "accept") run.accept();
        else if (frame.type === "reject") run.reject(frame.code, frame.message);
        else run.report(frame);
        return;
      }
      default:
        return this.refuse(CLAWLINK_CLOSE.protocolError, `A ${frame.type} frame is only valid during the handshake`);
    }
  }

  private async authenticate(signature: string): Promise<void> {
    const intro = this.intro!;
    if (!verifyChallenge(intro.node.public_key, this.nonce, signature)) return this.refuse(CLAWLINK_CLOSE.unauthenticated, "The signature does not match the key", "unauthenticated");
    const node = await identifyNode(this.deps.db, {
      name: intro.node.name,
      publicKey: intro.node.public_key,
      version: intro.node.version,
      labels: intro.node.labels,
      concurrency: intro.node.concurrency,
      enrolmentToken: intro.enrolment_token,
      ip: this.connection.ip,
    });
    if (node.status === "revoked") return this.refuse(CLAWLINK_CLOSE.revoked, "This node was revoked; it can run nothing", "forbidden");
    if (this.closed) return;
    clearTimeout(this.handshakeTimer);
    this.node = node;
    this.phase = "ready";
    this.deps.register(this);
    await markConnected(this.deps.db, node.id, this.connectionKey);
    this.connection.send({
      type: "welcome",
      protocol: CLAWLINK_PROTOCOL_VERSION,
      server: { name: "coderclawlink", version: this.deps.serverVersion },
      node_id: node.id,
      fingerprint: node.fingerprint,
      status: statusOf(node),
      lease_ms: this.deps.leaseMs,
    });
    log.info({ node: node.name, nodeId: node.id, status: node.status }, "remote node connected");
  }

  /**
   * After a (re)connect: take back the runs the node still has (same attempt, claim not given to
   * anyone else), tell it to drop the others, and settle the runs the portal gave it that it no
   * longer has (never received: send again; lost with a restart: fail node_lost, or requeue if resumable).
   */
  private async adopt(reported: { execution_id: string; attempt: number; waiting_seq: number | null }[]): Promise<void> {
    const { db } = this.deps;
    const claimKey = claimKeyOf(this.node!.id);
    for (const task of reported) {
      const [row] = await db
        .update(executions)
        .set({ claimedBy: claimKey, leaseExpiresAt: sql`clock_timestamp() + ${leaseInterval(this.deps.leaseMs)}` })
        .where(
          and(
            eq(executions.id, task.execution_id),
            eq(executions.attempt, task.attempt),
            inArray(executions.state, [...ACTIVE_STATES]),
            or(eq(executions.claimedBy, claimKey), isNull(executions.claimedBy)),
          ),
        )
        .returning();
      if (!row) {
        this.remember(`${task.execution_id}:${task.attempt}`);
        this.connection.send({ type: "cancel", execution_id: task.execution_id, attempt: task.attempt, reason: "gone" });
        continue;
      }
      const run = new RemoteRun(this.link, row.id, row.attempt, row.remoteSeq);
      this.runs.set(row.id, run);
      this.connection.send({ type: "ack", execution_id: row.id, attempt: row.attempt, seq: row.remoteSeq });
      if (row.state === "PLANNING") run.accept();
      if (task.waiting_seq !== null) await run.resumeWait(task.waiting_seq);
      run.observe(row);
    }
    const kept: SQL[] = reported.length ? [notInArray(executions.id, reported.map((t) => t.execution_id))] : [];
    const forgotten = await db
      .select()
      .from(executions)
      .where(and(eq(executions.claimedBy, claimKey), inArray(executions.state, [...ACTIVE_STATES]), ...kept));
    for (const row of forgotten) {
      if (row.state === "PLANNING" && row.remoteSeq === 0) {
        const run = new RemoteRun(this.link, row.id, row.attempt, 0);
        this.runs.set(row.id, run);
        await run.assign(row, false);
      } else if (this.deps.isResumable(row.agentType)) {
        await releaseTask(db, { id: row.id, attempt: row.attempt });
      } else {
        await transitionTask(db, {
          taskId: row.id,
          attempt: row.attempt,
          to: "FAILED",
          set: { error: `Node ${this.node!.name} restarted and no longer has this run; it was not replayed. Retry it to run it again.`, errorCode: "node_lost" },
          data: { reason: "node_lost", node: claimKey, node_name: this.node!.name },
        });
      }
    }
  }

  /** Claim tasks placed on this node while it has room (NOTIFY, the poll and finished runs call it). */
  pump(): void {
    if (!this.ready || this.node?.status !== "approved" || this.node.draining) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          const node = this.node;
          if (!node || node.status !== "approved" || node.draining || this.closed) break;
          const free = node.concurrency - this.runs.size;
          const placement = placementFor(node);
          if (free <= 0 || !placement) break;
          const claimed = await claimTasks(this.deps.db, { nodeId: claimKeyOf(node.id), nodeName: node.name, limit: free, leaseMs: this.deps.leaseMs, placement });
          for (const claim of claimed) {
            const task = claim.task;
            if (this.closed) continue; // the lease will lapse and the sweeper settles it
            const run = new RemoteRun(this.link, claim.id, claim.attempt, 0);
            this.runs.set(claim.id, run);
            await run.assign(task, claim.resumed);
          }
          if (claimed.length === free && claimed.length > 0) this.pumpAgain = true;
        } while (this.pumpAgain && !this.closed);
      } catch (error) {
        log.warn({ err: error, node: this.node?.name }, "claiming tasks for a remote node failed; the poll retries");
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async onClosed(): Promise<void> {
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    for (const run of this.runs.values()) run.detach();
    this.runs.clear();
    this.deps.unregister(this);
    if (this.node) {
      await markDisconnected(this.deps.db, this.node.id, this.connectionKey).catch((error: unknown) => log.warn({ err: error }, "could not mark a remote node disconnected"));
      log.info({ node: this.node.name, nodeId: this.node.id }, "remote node disconnected; its runs keep their lease until it returns");
    }
  }
}

function statusOf(node: RemoteNode): "pending" | "approved" | "draining" {
  if (node.status !== "approved") return "pending";
  return node.draining ? "draining" : "approved";
}

/**
 * The tasks this node may take: those placed on it by name or id, and those asking for labels it
 * all carries; in both cases only for agents it reports available. Null when it offers none.
 */
export function placementFor(node: Pick<RemoteNode, "id" | "labels" | "agents">): SQL | null {
  const agents = node.agents.filter((a) => a.available).map((a) => a.agent_type);
  if (agents.length === 0) return null;
  const agentList = sql.join(agents.map((a) => sql`${a}`), sql`, `);
  return sql`(target_node_id = ${node.id} or (target_node_id is null and target_labels <> '[]'::jsonb and target_labels <@ ${JSON.stringify(node.labels)}::jsonb)) and agent_type in (${agentList})`;
}
