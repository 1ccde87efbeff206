import type { AgentAdapter, AgentRunResult, HumanAnswer, HumanQuestion } from "../../agents/types";
import { toLogEvent } from "../../engine/output-batcher";
import type { AssignFrame, NodeTaskReport } from "../protocol";
import type { AgentHost } from "./host";

type Outgoing = NodeTaskReport;
type EventBody = Extract<Outgoing, { type: "event" }>["event"];
type StopReason = "cancelled" | "timeout" | "stopping" | "gone";

/**
 * Unacknowledged report bytes one run keeps while the portal is away. Past it, further events are
 * dropped and counted, and one `output_lost` event says how many before the next report: a long
 * outage costs the log some output, never the node its memory. Questions and the end are never dropped.
 */
export const MAX_UNACKED_BYTES = 16 * 1024 * 1024;

export interface RunChannel {
  /** Send now if connected; reports stay in the run's buffer until acknowledged either way. */
  send(frame: object): void;
  /** The run is over and the portal has everything: forget it. */
  finished(run: NodeRun): void;
}

/**
 * One assigned run on a remote node: the adapter runs exactly as under a local worker (same
 * workspace, skills and abort rules); every report gets the next seq and stays buffered until the
 * portal acknowledges it, so a disconnect loses nothing and a redelivery duplicates nothing.
 */
export class NodeRun {
  readonly id: string;
  readonly attempt: number;
  private seq = 0;
  private readonly outbox: { frame: Outgoing; bytes: number }[] = [];
  private outboxBytes = 0;
  private dropped = 0;
  private readonly controller = new AbortController();
  private stopReason: StopReason | undefined;
  private waiting: { seq: number; resolve: (a: HumanAnswer) => void; reject: (e: Error) => void } | null = null;
  private asked = 0;
  private ended = false;
  accepted = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly assignment: AssignFrame,
    private readonly host: AgentHost,
    private readonly channel: RunChannel,
    private readonly maxUnackedBytes = MAX_UNACKED_BYTES,
  ) {
    this.id = assignment.execution_id;
    this.attempt = assignment.attempt;
  }

  get waitingSeq(): number | null {
    return this.waiting?.seq ?? null;
  }

  /** Reports not yet acknowledged, in order (sent again after a reconnect). */
  pending(): readonly Outgoing[] {
    return this.outbox.map((o) => o.frame);
  }

  acknowledge(seq: number): void {
    while (this.outbox.length > 0 && this.outbox[0].frame.seq <= seq) this.outboxBytes -= this.outbox.shift()!.bytes;
    if (this.ended && this.outbox.length === 0) this.channel.finished(this);
  }

  answer(waitSeq: number, answer: { approved?: boolean; text?: string; answered_by: string }): void {
    const waiting = this.waiting;
    if (!waiting || waiting.seq !== waitSeq) return; // an answer to a question already answered
    this.waiting = null;
    waiting.resolve({ ...(answer.approved !== undefined ? { approved: answer.approved } : {}), ...(answer.text !== undefined ? { text: answer.text } : {}), answeredBy: answer.answered_by });
  }

  /** cancelled/timeout/stopping: stop the agent and report the end; gone: stop and forget (the portal has moved on). */
  stop(reason: StopReason): void {
    if (reason === "gone") {
      this.outbox.length = 0;
      this.outboxBytes = 0;
      this.ended = true;
    }
    if (this.stopReason) {
      if (reason === "gone") this.channel.finished(this);
      return;
    }
    this.stopReason = reason;
    const error = Object.assign(new Error(`run stopped: ${reason}`), { name: "AbortError" });
    this.controller.abort(error);
    this.waiting?.reject(error);
    this.waiting = null;
    if (reason === "gone") this.channel.finished(this);
  }

  async start(): Promise<void> {
    const a = this.assignment;
    const adapter = this.host.adapter(a.agent_type);
    if (!adapter) return this.rejectRun("agent_unavailable", `No agent "${a.agent_type}" on this node`);
    let prepared: { workspace: string; skills: Awaited<ReturnType<AgentHost["skillsFor"]>> };
    try {
      prepared = { workspace: await this.host.workspaceFor({ id: a.execution_id, prompt: a.prompt, context: a.context }, adapter), skills: await this.host.skillsFor(a.skills) };
    } catch (error) {
      return this.rejectRun("planning_failed", messageOf(error));
    }
    this.accepted = true;
    this.channel.send({ type: "accept", execution_id: this.id, attempt: this.attempt });
    if (a.timeout_ms !== null) {
      this.timer = setTimeout(() => this.stop("timeout"), a.timeout_ms);
      this.timer.unref();
    }
    const outcome = await this.runAdapter(adapter, prepared);
    clearTimeout(this.timer);
    if (this.stopReason === "gone") return;
    if (this.stopReason === "cancelled") this.end({ outcome: "cancelled" });
    else if (this.stopReason === "timeout") this.end({ outcome: "failed", error: { code: "timeout", message: "The task ran longer than its time limit" } });
    else if (this.stopReason === "stopping") this.end({ outcome: "failed", error: { code: "node_stopped", message: "The remote node shut down while the task ran; it was not replayed" } });
    else if (outcome.ok) this.end({ outcome: "completed", result: { output: outcome.value.output, ...(outcome.value.data ? { data: outcome.value.data } : {}) } });
    else this.end({ outcome: "failed", error: { code: "agent_error", message: messageOf(outcome.error) } });
  }

  private async runAdapter(adapter: AgentAdapter, prepared: { workspace: string; skills: Awaited<ReturnType<AgentHost["skillsFor"]>> }): Promise<{ ok: true; value: AgentRunResult } | { ok: false; error: unknown }> {
    const a = this.assignment;
    try {
      const value = await adapter.run({
        task: { id: a.execution_id, attempt: a.attempt, userId: "remote", projectId: null, agentType: a.agent_type },
        prompt: a.prompt,
        context: a.context,
        workspace: prepared.workspace,
        skills: prepared.skills,
        signal: this.controller.signal,
        emit: (event) => {
          if (this.ended || this.stopReason === "gone") return;
          const { type, data } = toLogEvent(event);
          this.reportEvent({ type: type as EventBody["type"], data: data ?? {} });
        },
        askHuman: (question) => this.askHuman(question),
        config: this.host.settings(a.agent_type),
      });
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private askHuman(question: HumanQuestion): Promise<HumanAnswer> {
    if (this.stopReason) return Promise.reject(new Error(`run stopped: ${this.stopReason}`));
    const index = this.asked++;
    const replayed = this.assignment.replay_answers[index];
    if (replayed) return Promise.resolve({ ...(replayed.approved !== undefined ? { approved: replayed.approved } : {}), ...(replayed.text !== undefined ? { text: replayed.text } : {}), answeredBy: replayed.answered_by });
    this.reportLoss();
    const seq = ++this.seq;
    return new Promise<HumanAnswer>((resolve, reject) => {
      this.waiting = { seq, resolve, reject };
      this.report({
        type: "wait",
        execution_id: this.id,
        attempt: this.attempt,
        seq,
        question: { kind: question.kind, prompt: question.prompt, ...(question.tool ? { tool: question.tool } : {}), ...(question.options ? { options: question.options } : {}) },
      });
    });
  }

  private end(body: Pick<Extract<Outgoing, { type: "end" }>, "outcome" | "result" | "error">): void {
    if (this.ended) return;
    this.reportLoss();
    this.report({ type: "end", execution_id: this.id, attempt: this.attempt, seq: ++this.seq, ...body });
    this.ended = true;
  }

  private rejectRun(code: "agent_unavailable" | "planning_failed", message: string): void {
    this.ended = true;
    this.channel.send({ type: "reject", execution_id: this.id, attempt: this.attempt, code, message: message.slice(0, 4000) });
    this.channel.finished(this);
  }

  /** An agent event, unless the unacknowledged reports are already at their bound (then it is counted as lost). */
  private reportEvent(event: EventBody): void {
    const frame: Outgoing = { type: "event", execution_id: this.id, attempt: this.attempt, seq: this.seq + 1, event };
    const bytes = JSON.stringify(frame).length;
    if (this.outboxBytes + bytes > this.maxUnackedBytes) {
      this.dropped++;
      return;
    }
    this.reportLoss();
    frame.seq = ++this.seq;
    this.report(frame, bytes);
  }

  /** Say how many events were dropped since the last report, once there is room again. */
  private reportLoss(): void {
    if (this.dropped === 0) return;
    const events = this.dropped;
    this.dropped = 0;
    const message = `${events} output event(s) were dropped on the node while the portal was unreachable and are missing before this point`;
    this.report({ type: "event", execution_id: this.id, attempt: this.attempt, seq: ++this.seq, event: { type: "output_lost", data: { events, message } } });
  }

  private report(frame: Outgoing, bytes = JSON.stringify(frame).length): void {
    this.outbox.push({ frame, bytes });
    this.outboxBytes += bytes;
    this.channel.send(frame);
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 4000) || "The agent failed without a message";
}
