import { and, desc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { executionEvents, executions, type Execution } from "../../db/schema";
import { appendEvents, readEvents, type EventInput } from "../../engine/event-log";
import { ACTIVE_STATES, isTerminal } from "../../engine/lifecycle";
import type { LeaseStatus } from "../../engine/queue";
import { transitionTask } from "../../engine/transitions";
import { log } from "../../log";
import type { AssignFrame, NodeTaskReport } from "../protocol";

/** What a run needs from the connection it belongs to. */
export interface RunLink {
  db: Database;
  claimKey: string;
  nodeName: string;
  send(frame: object): boolean;
  /** The run is over here (ended, dropped or lost): forget it and claim more work. */
  release(run: RemoteRun): void;
  /** Applying a report failed (the database was unreachable): drop the connection so the node reconnects and resends. */
  fail(): void;
}

type InboxItem = { kind: "accept" } | { kind: "reject"; code: string; message: string } | { kind: "report"; report: NodeTaskReport };

const MAX_MERGED_CHARS = 32_768;
const MAX_BATCH = 500;

/**
 * The portal's side of one task running on a remote node. It writes what the node reports into the
 * task's log exactly once, in order (remote_seq, fenced by the attempt, in the same transaction as
 * the rows), acknowledges it, forwards answers and cancels to the node, and records the terminal
 * state from the node's `end` frame. Every write is a conditional transition, so a node that lost
 * its claim (lease expired, revoked, cancelled meanwhile) can never overwrite the task.
 */
export class RemoteRun {
  private inbox: InboxItem[] = [];
  private draining = false;
  private appliedSeq: number;
  /** The node's seq of the wait it is blocked on, and the portal log seq of that wait. */
  private wait: { nodeSeq: number; logSeq: number } | null = null;
  private answeredWait: number | null = null;
  private cancelSent = false;
  private released = false;

  constructor(
    private readonly link: RunLink,
    readonly id: string,
    readonly attempt: number,
    appliedSeq = 0,
  ) {
    this.appliedSeq = appliedSeq;
  }

  get key(): string {
    return `${this.id}:${this.attempt}`;
  }

  /** Send the task to the node (again: assign is idempotent on the node for the same attempt). */
  async assign(task: Execution, resumed: boolean): Promise<void> {
    const replay = resumed ? await answeredQuestions(this.link.db, task.id) : [];
    const remaining = task.timeoutMs ? Math.max(1, (task.startedAt?.getTime() ?? Date.now()) + task.timeoutMs - Date.now()) : null;
    const frame: AssignFrame = {
      type: "assign",
      execution_id: task.id,
      attempt: this.attempt,
      agent_type: task.agentType,
      prompt: task.prompt,
      context: task.context,
      skills: task.skills,
      timeout_ms: remaining,
      replay_answers: replay,
    };
    this.link.send(frame);
  }

  accept(): void {
    this.push({ kind: "accept" });
  }

  reject(code: string, message: string): void {
    this.push({ kind: "reject", code, message });
  }

  report(report: NodeTaskReport): void {
    this.push({ kind: "report", report });
  }

  /** After a reconnect: the node says it is blocked on this wait; answer it if someone already did. */
  async resumeWait(nodeSeq: number): Promise<void> {
    const [wait] = await this.link.db
      .select({ seq: executionEvents.seq })
      .from(executionEvents)
      .where(and(eq(executionEvents.executionId, this.id), eq(executionEvents.type, "wait")))
      .orderBy(desc(executionEvents.seq))
      .limit(1);
    if (wait && nodeSeq <= this.appliedSeq) {
      this.wait = { nodeSeq, logSeq: wait.seq };
      await this.deliverAnswer();
    }
  }

  /** React to the row as the heartbeat or a control NOTIFY saw it (undefined: the claim is gone). */
  observe(status: Pick<LeaseStatus, "attempt" | "state" | "cancelRequestedAt"> | undefined): void {
    if (this.released) return;
    if (!status || status.attempt !== this.attempt || isTerminal(status.state)) return this.drop();
    if (status.cancelRequestedAt && !this.cancelSent) {
      this.cancelSent = true;
      this.link.send({ type: "cancel", execution_id: this.id, attempt: this.attempt, reason: "cancelled" });
    }
    if (this.wait && status.state === "RUNNING") void this.deliverAnswer().catch((error: unknown) => log.warn({ err: error, taskId: this.id }, "could not forward an answer to the node"));
  }

  async refresh(): Promise<void> {
    const [row] = await this.link.db
      .select({ attempt: executions.attempt, state: executions.state, cancelRequestedAt: executions.cancelRequestedAt })
      .from(executions)
      .where(eq(executions.id, this.id));
    this.observe(row);
  }

  /** The portal no longer has this run: tell the node to stop and forget it; write nothing more. */
  drop(): void {
    if (this.released) return;
    this.link.send({ type: "cancel", execution_id: this.id, attempt: this.attempt, reason: "gone" });
    this.release();
  }

  /** Forget the run without telling the node (the connection is gone or was replaced). */
  detach(): void {
    this.released = true;
    this.inbox = [];
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.inbox = [];
    this.link.release(this);
  }

  private push(item: InboxItem): void {
    if (this.released) return;
    this.inbox.push(item);
    if (!this.draining) void this.drainInbox();
  }

  private async drainInbox(): Promise<void> {
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.released) {
        const item = this.inbox.shift()!;
        if (item.kind === "accept") await this.applyAccept();
        else if (item.kind === "reject") await this.applyReject(item.code, item.message);
        else await this.applyReport(item.report);
      }
    } catch (error) {
      // A database hiccup: nothing unapplied was acknowledged; the node redelivers once it reconnects.
      log.warn({ err: error, taskId: this.id }, "could not apply a remote node's report; asking it to reconnect and resend");
      this.inbox = [];
      this.link.fail();
    } finally {
      this.draining = false;
    }
  }

  private async applyAccept(): Promise<void> {
    const moved = await transitionTask(this.link.db, {
      taskId: this.id,
      attempt: this.attempt,
      to: "RUNNING",
      from: ["PLANNING"],
      when: sql`${executions.cancelRequestedAt} is null`,
      data: { node: this.link.claimKey, node_name: this.link.nodeName },
      audit: { eventType: "agent.executed", details: { task_id: this.id, node: this.link.claimKey, node_name: this.link.nodeName } },
    });
    if (!moved) await this.refresh();
  }

  private async applyReject(code: string, message: string): Promise<void> {
    await transitionTask(this.link.db, {
      taskId: this.id,
      attempt: this.attempt,
      to: "FAILED",
      set: { error: `Node ${this.link.nodeName} could not run the task: ${message}`, errorCode: code === "agent_unavailable" ? "agent_unavailable" : "planning_failed" },
      data: { node: this.link.claimKey, node_name: this.link.nodeName },
    });
    this.release();
  }

  private ack(): void {
    this.link.send({ type: "ack", execution_id: this.id, attempt: this.attempt, seq: this.appliedSeq });
  }

  private async applyReport(report: NodeTaskReport): Promise<void> {
    if (report.seq <= this.appliedSeq) return this.ack(); // redelivered: already applied
    if (report.seq !== this.appliedSeq + 1) return; // a gap: the node resends from its oldest unacknowledged report
    if (report.type === "event") {
      // Take every consecutive event already here: one transaction, one NOTIFY.
      const batch = [report];
      while (batch.length < MAX_BATCH) {
        const next = this.inbox[0];
        if (next?.kind !== "report" || next.report.type !== "event" || next.report.seq !== batch.at(-1)!.seq + 1) break;
        batch.push((this.inbox.shift() as Extract<InboxItem, { kind: "report" }>).report as typeof report);
      }
      return this.applyEvents(batch);
    }
    if (report.type === "wait") return this.applyWait(report);
    return this.applyEnd(report);
  }

  /** Advance remote_seq from what we applied to `seq` under the row lock; false when another writer or attempt got there. */
  private async claimSeq(tx: Parameters<Parameters<Database["transaction"]>[0]>[0], seq: number): Promise<boolean> {
    const rows = await tx
      .update(executions)
      .set({ remoteSeq: seq })
      .where(and(eq(executions.id, this.id), eq(executions.attempt, this.attempt), eq(executions.remoteSeq, this.appliedSeq)))
      .returning({ id: executions.id });
    return rows.length > 0;
  }

  private async applyEvents(batch: Extract<NodeTaskReport, { type: "event" }>[]): Promise<void> {
    const last = batch.at(-1)!.seq;
    const applied = await this.link.db.transaction(async (tx) => {
      if (!(await this.claimSeq(tx, last))) return false;
      const written = await appendEvents(tx, this.id, mergeOutput(batch.map((r) => ({ type: r.event.type, data: r.event.data }))), { attempt: this.attempt, states: ACTIVE_STATES });
      if (written === null) throw new FencedOut();
      return true;
    }).catch((error: unknown) => (error instanceof FencedOut ? false : Promise.reject(error)));
    if (!applied) return this.resync();
    this.appliedSeq = last;
    this.ack();
  }

  private async applyWait(report: Extract<NodeTaskReport, { type: "wait" }>): Promise<void> {
    const { question } = report;
    const moved = await this.link.db.transaction(async (tx) => {
      if (!(await this.claimSeq(tx, report.seq))) return null;
      const done = await transitionTask(tx, {
        taskId: this.id,
        attempt: this.attempt,
        to: "WAITING",
        from: ["RUNNING"],
        set: { waitExpiresAt: new Date(Date.now() + WAIT_TIMEOUT_MS) },
        events: [{ type: "wait", data: { kind: question.kind, prompt: question.prompt, ...(question.tool ? { tool: question.tool } : {}), ...(question.options ? { options: question.options } : {}) } }],
      });
      if (!done) throw new FencedOut();
      return done;
    }).catch((error: unknown) => (error instanceof FencedOut ? null : Promise.reject(error)));
    if (!moved) return this.resync();
    this.appliedSeq = report.seq;
    this.wait = { nodeSeq: report.seq, logSeq: moved.task.eventsCount - 1 };
    this.ack();
  }

  private async applyEnd(report: Extract<NodeTaskReport, { type: "end" }>): Promise<void> {
    const base = { taskId: this.id, attempt: this.attempt, data: { node: this.link.claimKey, node_name: this.link.nodeName } };
    const [row] = await this.link.db.select({ cancelRequestedAt: executions.cancelRequestedAt }).from(executions).where(eq(executions.id, this.id));
    const done = await this.link.db.transaction(async (tx) => {
      if (!(await this.claimSeq(tx, report.seq))) return false;
      let moved;
      if (report.outcome === "completed") {
        const result = { output: report.result?.output ?? "", ...(report.result?.data ? { data: report.result.data } : {}) };
        moved = await transitionTask(tx, { ...base, to: "COMPLETED", from: ["RUNNING"], set: { result }, events: [{ type: "result", data: result }] });
      } else if (report.outcome === "cancelled" && row?.cancelRequestedAt) {
        moved = await transitionTask(tx, { ...base, to: "CANCELLED", data: { ...base.data, reason: "cancel requested" } });
      } else {
        const code = report.error?.code ?? "agent_error";
        const message = report.error?.message ?? (report.outcome === "cancelled" ? `Node ${this.link.nodeName} stopped the task` : "The agent failed without a message");
        moved = await transitionTask(tx, { ...base, to: "FAILED", set: { error: message, errorCode: code }, events: [{ type: "error", data: { message } }], data: { ...base.data, reason: code } });
      }
      if (!moved) throw new FencedOut();
      return true;
    }).catch((error: unknown) => (error instanceof FencedOut ? false : Promise.reject(error)));
    if (done) this.appliedSeq = report.seq;
    // Ended either way (here, or elsewhere before the node's word arrived): acknowledge so it forgets the run.
    this.link.send({ type: "ack", execution_id: this.id, attempt: this.attempt, seq: report.seq });
    this.release();
  }

  /** A write was fenced out: re-read remote_seq (another connection may have applied it) or let go. */
  private async resync(): Promise<void> {
    const [row] = await this.link.db
      .select({ attempt: executions.attempt, state: executions.state, remoteSeq: executions.remoteSeq, cancelRequestedAt: executions.cancelRequestedAt })
      .from(executions)
      .where(eq(executions.id, this.id));
    if (row && row.attempt === this.attempt && !isTerminal(row.state) && row.remoteSeq > this.appliedSeq) {
      this.appliedSeq = row.remoteSeq;
      this.ack();
      return;
    }
    this.observe(row);
  }

  private async deliverAnswer(): Promise<void> {
    const wait = this.wait;
    if (!wait || this.answeredWait === wait.nodeSeq) return;
    const [input] = await this.link.db
      .select()
      .from(executionEvents)
      .where(and(eq(executionEvents.executionId, this.id), gt(executionEvents.seq, wait.logSeq), eq(executionEvents.type, "input")))
      .limit(1);
    if (!input || this.wait !== wait) return;
    this.answeredWait = wait.nodeSeq;
    this.wait = null;
    const data = input.data;
    this.link.send({
      type: "answer",
      execution_id: this.id,
      attempt: this.attempt,
      wait_seq: wait.nodeSeq,
      answer: {
        ...(typeof data.approved === "boolean" ? { approved: data.approved } : {}),
        ...(typeof data.text === "string" ? { text: data.text } : {}),
        answered_by: String(data.answered_by ?? "unknown"),
      },
    });
  }
}

/** Same default as the engine's: a question may wait a day. */
const WAIT_TIMEOUT_MS = 24 * 60 * 60 * 1000;

class FencedOut extends Error {}

/** Consecutive output chunks of one stream become one row, as the local output batcher does. */
function mergeOutput(events: EventInput[]): EventInput[] {
  const merged: EventInput[] = [];
  for (const event of events) {
    const last = merged.at(-1);
    if (
      last &&
      event.type === "output" &&
      last.type === "output" &&
      last.data?.stream === event.data?.stream &&
      String(last.data?.text ?? "").length + String(event.data?.text ?? "").length <= MAX_MERGED_CHARS
    ) {
      last.data = { ...last.data, text: `${String(last.data?.text ?? "")}${String(event.data?.text ?? "")}` };
    } else merged.push({ type: event.type, data: { ...event.data } });
  }
  return merged;
}

async function answeredQuestions(db: Database, taskId: string) {
  const answers: { approved?: boolean; text?: string; answered_by: string }[] = [];
  let after = 0;
  for (;;) {
    const page = await readEvents(db, taskId, { after, types: ["input"], limit: 500 });
    for (const { data } of page) {
      answers.push({
        ...(typeof data.approved === "boolean" ? { approved: data.approved } : {}),
        ...(typeof data.text === "string" ? { text: data.text } : {}),
        answered_by: String(data.answered_by ?? "unknown"),
      });
    }
    if (page.length < 500) return answers;
    after = page.at(-1)!.seq;
  }
}
